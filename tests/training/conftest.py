from tests.training.world import modules, pathway_required  # noqa: F401 - fixtures
