"""A stand-in predictor for the harness's own tests, NOT a model of any applier.

It predicts that no applier changes anything. test_runner.py uses it to show
that the comparison catches a wrong prediction; the real predictor is
plugins/module_utils/_host.py's predict.
"""


def predict(applier, keys, oracle=True):
    return dict((key, {'boot': None, 'boot_source': None, 'reload': None, 'undecided': None}) for key in keys)
