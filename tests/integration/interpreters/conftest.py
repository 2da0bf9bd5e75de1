"""Fixtures of the target-interpreter matrix (_cells.py): one container per cell, steps in order."""

import tempfile

import pytest

import _cells
import _harness


# One xdist group per cell: with -n 2 --dist loadgroup a cell's steps stay on one worker, in order.
@pytest.fixture(scope='module', ids=_cells.cell_id,
                params=[pytest.param(cell, marks=pytest.mark.xdist_group(_cells.cell_id(cell))) for cell in _cells.CELLS])
def cell(request):
    """A fresh privileged Alibaba-like container whose only Python is the cell's interpreter."""
    python, core = request.param
    workdir = tempfile.mkdtemp(prefix='kt-py-')
    try:
        cell = _cells.Cell(python, core, workdir)
        cell.start()
        try:
            yield cell
        finally:
            cell.remove()
    finally:
        _harness.run('rm', '-rf', workdir)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each test's outcome on its item (for the step fixture)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == 'call':
        item.kt_call_failed = report.failed


@pytest.fixture
def step(cell, request):
    """The steps of a cell (the tests of test_interpreters.py, run in file order for each cell) build on each
    other: after a failed step, the later ones of that cell fail as not run instead of failing confusingly."""
    if cell.failed_step:
        pytest.fail('not run: %s failed for this cell' % cell.failed_step)
    yield
    if getattr(request.node, 'kt_call_failed', False):
        cell.failed_step = request.node.name
