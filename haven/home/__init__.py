"""The top floor: the home page, the navigation's counts and the demo district — the parts of Haven
that read every feature app, and that no other app reads (docs/architecture.md, "Layers")."""
