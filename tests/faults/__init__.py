"""Tests of Haven under faults: a part down, a full disk, a busy database."""
