"""Generated sysctl.d trees (tests/differential/_trees.py) against the real appliers of every suite.

One Hypothesis example is one case through the persistent runners (both
suites at once), so a disagreement shrinks to a small tree.

  KT_DIFF_EXAMPLES  examples per run (default 300: each runs both appliers and
                    four predictions in both suites)
  KT_DIFF_SEED      a seed of your own; without it the run is derandomized
                    (the same trees every run)
  KT_DIFF_FIFO=1    also generate FIFOs named *.conf (each costs the applier timeout)
"""

import os

from hypothesis import HealthCheck, given, seed, settings

import _driver
import _trees

EXAMPLES = int(os.environ.get('KT_DIFF_EXAMPLES', '300'))
SEED = os.environ.get('KT_DIFF_SEED')
FIFO = os.environ.get('KT_DIFF_FIFO') == '1'


def _configured(test):
    test = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])(test)
    if SEED is not None:
        test = seed(int(SEED))(test)
    return test


@_configured
@given(tree=_trees.trees(fifo=FIFO))
def test_generated_tree(runners, tree):
    files, links = tree
    _driver.check(files, _driver.run_everywhere(runners, files, links=links),
                  title='generated tree%s' % (' with interface %s' % ' '.join(links) if links else ''))
