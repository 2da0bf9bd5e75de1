"""apply_live on read-only /proc/sys: auto persists and warns once, true fails cleanly, false persists only.

Two real containers: an unprivileged one (Podman's default, as Molecule
starts it: all of /proc/sys mounted read-only) and a privileged
Alibaba-like one (its own network namespace writable, the host-wide trees
read-only), where one net.* key is also bind-mounted read-only to mix
writable and read-only keys in one run. Every assertion reads the
container: the drop-in, the live values in /proc/sys, a fingerprint of
every sysctl file and net.* value.
"""

import os

import pytest

import _harness

DROPIN = '/etc/sysctl.d/90-kerneltune.conf'
PROFILE = ('net.core.somaxconn', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_max_syn_backlog',
           'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_syncookies', 'net.ipv4.tcp_tw_reuse')
MINIMUMS = {'net.core.somaxconn': 8192, 'net.ipv4.tcp_max_syn_backlog': 8192, 'net.ipv4.tcp_max_tw_buckets': 262144}
READ_ONLY_WARNING = '/proc/sys is read-only here (an unprivileged container?): persisted in %s for the next boot, ' \
                    'not applied live: %s (apply_live=auto; true would fail on them, false persists without ' \
                    'this warning)'
# In the privileged container: a key late in the write order, so a strict run has written (and must restore)
# the keys before it.
MOUNTED = 'net.ipv4.tcp_max_tw_buckets'
MOUNTED_PATH = '/proc/sys/net/ipv4/tcp_max_tw_buckets'

FINGERPRINT = r'''
set -e
sysctl -a 2>/dev/null | grep '^net\.' | grep -v -e '^net.netfilter' -e 'stable_secret' | sort
for f in /etc/sysctl.conf /etc/sysctl.d/* /run/sysctl.d/* /usr/local/lib/sysctl.d/* /etc/sysctl.conf.*; do
    [ -e "$f" ] || continue
    stat -c '%n %a %s %Y' "$f"; md5sum "$f" 2>/dev/null || true
done
'''
RESET = ('rm -f /etc/sysctl.d/90-kerneltune.conf /etc/sysctl.d/*~ /etc/sysctl.conf.*~; '
         '[ ! -e /usr/local/share/kerneltune/alibaba-sysctl.conf ] || '
         'cp /usr/local/share/kerneltune/alibaba-sysctl.conf /etc/sysctl.conf')


def fingerprint(host):
    return _harness.sh(host, FINGERPRINT).stdout


def tune(host, args, check=False, expect_failed=False):
    return _harness.module(host, 'kerneltune.sysctl.tune', args, check=check, expect_failed=expect_failed)


def dropin(host):
    result = _harness.sh(host, 'cat %s' % DROPIN, check=False)
    return result.stdout if result.returncode == 0 else None


def read_only_warnings(result):
    return [warning for warning in result.get('warnings', []) if 'read-only' in warning]


def assert_persisted(host, keys, values):
    """The drop-in sets each key to its value, and the audit predicts that value for the next boot.

    The keys of MINIMUMS get it from the drop-in (an equal line in /etc/sysctl.conf, such as the image's
    tcp_syncookies = 1, may come later and set the same value).
    """
    text = dropin(host)
    assert text is not None
    for key in keys:
        assert '\n%s = %s\n' % (key, values[key]) in text, (key, text)
    audit = _harness.module(host, 'kerneltune.sysctl.audit', {'profile': 'high_connection'})
    for key in keys:
        entry = audit['sysctl'][key]
        assert entry['boot'] == values[key] and entry['reason'] is None, (key, entry)
        assert key not in MINIMUMS or entry['boot_source'].startswith(DROPIN + ':'), (key, entry)


@pytest.fixture(scope='module')
def unprivileged():
    name = _harness.start_container(_harness.suite_name('kt-al-unprivileged'), 'unprivileged')
    yield name
    _harness.remove_container(name)


@pytest.fixture
def unpriv(unprivileged):
    _harness.sh(unprivileged, RESET)
    return unprivileged


@pytest.fixture(scope='module')
def privileged():
    name = _harness.start_container(_harness.suite_name('kt-al-privileged'), 'alibaba')
    live = _harness.read_sysctl(name, PROFILE)
    yield name, live
    _harness.remove_container(name)


@pytest.fixture
def priv(privileged):
    """The privileged container at its start values, with MOUNTED bind-mounted read-only for the test."""
    name, live = privileged
    _harness.sh(name, RESET)
    _harness.write_sysctl(name, live)
    _harness.sh(name, 'mount --bind {0} {0} && mount -o remount,bind,ro {0}'.format(MOUNTED_PATH))
    assert _harness.sh(name, 'echo 1 > %s' % MOUNTED_PATH, check=False).returncode != 0
    yield name
    _harness.sh(name, 'umount %s' % MOUNTED_PATH)


# --- an unprivileged container: all of /proc/sys read-only ---------------------------------------------------

def test_unprivileged_check_mode_changes_nothing_and_reports(unpriv):
    before = fingerprint(unpriv)
    result = tune(unpriv, {'profile': 'high_connection'}, check=True)
    assert result['changed'] and result['live_changes'] == {}
    stuck = result['skipped_live']
    assert stuck and set(stuck) <= set(PROFILE)
    assert read_only_warnings(result) == [READ_ONLY_WARNING % (DROPIN, ', '.join(stuck))]
    assert fingerprint(unpriv) == before and dropin(unpriv) is None


def test_unprivileged_auto_persists_warns_once_and_converges(unpriv):
    live = _harness.read_sysctl(unpriv, PROFILE)
    result = tune(unpriv, {'profile': 'high_connection'})
    assert result['changed'] and result['live_changes'] == {}
    stuck = result['skipped_live']
    # every key whose live value misses the profile, and none other
    assert stuck == sorted(key for key in PROFILE if live[key] != result['values'][key])
    assert 'net.core.somaxconn' in stuck and 'net.ipv4.tcp_max_tw_buckets' in stuck
    assert read_only_warnings(result) == [READ_ONLY_WARNING % (DROPIN, ', '.join(stuck))]
    assert _harness.read_sysctl(unpriv, PROFILE) == live  # nothing was written live
    for key, minimum in MINIMUMS.items():
        assert int(result['values'][key]) >= minimum
    assert_persisted(unpriv, PROFILE, result['values'])

    files = fingerprint(unpriv)
    again = tune(unpriv, {'profile': 'high_connection'})
    assert not again['changed'] and again['skipped_live'] == stuck
    assert len(read_only_warnings(again)) == 1
    assert fingerprint(unpriv) == files
    checked = tune(unpriv, {'profile': 'high_connection'}, check=True)
    assert not checked['changed'] and fingerprint(unpriv) == files


@pytest.mark.parametrize('value', [True, 'yes'], ids=['bool', 'yes'])
def test_unprivileged_true_fails_naming_the_key_and_changes_nothing(unpriv, value):
    before = fingerprint(unpriv)
    result = tune(unpriv, {'profile': 'high_connection', 'apply_live': value}, expect_failed=True)
    assert result['msg'] == ('the kernel rejected net.core.somaxconn = 8192: Read-only file system; '
                             'values already written were restored, no file was changed')
    assert fingerprint(unpriv) == before and dropin(unpriv) is None


@pytest.mark.parametrize('value', [False, 'no'], ids=['bool', 'no'])
def test_unprivileged_false_persists_only_without_warning(unpriv, value):
    live = _harness.read_sysctl(unpriv, PROFILE)
    result = tune(unpriv, {'profile': 'high_connection', 'apply_live': value})
    assert result['changed'] and result['live_changes'] == {} and result['skipped_live'] == []
    assert read_only_warnings(result) == []
    assert _harness.read_sysctl(unpriv, PROFILE) == live
    assert_persisted(unpriv, PROFILE, result['values'])
    assert not tune(unpriv, {'profile': 'high_connection', 'apply_live': value})['changed']


def test_bad_apply_live_value_is_refused_before_anything(unpriv):
    before = fingerprint(unpriv)
    result = tune(unpriv, {'profile': 'high_connection', 'apply_live': 'maybe'}, expect_failed=True)
    assert result['msg'] == 'value of apply_live must be one of: auto, true, false, got: maybe'
    assert fingerprint(unpriv) == before


def _role(host, extra_vars, expect_rc=0, check=False):
    inventory = _harness.inventory([host])
    try:
        rc, out, err = _harness.playbook(os.path.join(_harness.REPO, 'playbooks', 'tune.yml'), inventory,
                                         extra_vars=extra_vars, expect_rc=expect_rc, check=check)
    finally:
        os.unlink(inventory)
    return out + err


def test_role_with_default_variables_passes_idempotently(unpriv):
    """A new user's first run: the role with default variables in an unprivileged container."""
    live = _harness.read_sysctl(unpriv, PROFILE)
    output = _role(unpriv, {})
    assert _harness.recap(output, unpriv)['changed'] == 1
    assert output.count('/proc/sys is read-only here') == 1, output
    assert _harness.read_sysctl(unpriv, PROFILE) == live
    assert dropin(unpriv) is not None
    files = fingerprint(unpriv)
    output = _role(unpriv, {})
    assert _harness.recap(output, unpriv)['changed'] == 0 and output.count('/proc/sys is read-only here') == 1
    assert fingerprint(unpriv) == files


# (extra vars, expected rc, text in the output)
ROLE_CASES = [
    ({'sysctl_tuning_apply_live': True}, 2, 'the kernel rejected net.core.somaxconn = 8192: Read-only file system'),
    ({'sysctl_tuning_apply_live': 'false'}, 0, None),
    ({'sysctl_tuning_apply_live': 'maybe'}, 2, 'value of sysctl_tuning_apply_live must be one of: auto, true, false'),
]
ROLE_IDS = ['bool-true', 'string-false', 'bad-choice']


@pytest.mark.parametrize('extra, rc, text', ROLE_CASES, ids=ROLE_IDS)
def test_role_keeps_booleans_working(unpriv, extra, rc, text):
    before = fingerprint(unpriv)
    output = _role(unpriv, extra, expect_rc=rc)
    assert '/proc/sys is read-only here' not in output
    if rc:
        assert text in output
        assert fingerprint(unpriv) == before
    else:
        assert dropin(unpriv) is not None


# --- a privileged container: net.* writable but one key, host-wide trees read-only ---------------------------

def test_privileged_check_mode_changes_nothing(priv):
    before = fingerprint(priv)
    result = tune(priv, {'profile': 'high_connection'}, check=True)
    assert result['changed'] and MOUNTED not in result['live_changes']
    assert 'net.core.somaxconn' in result['live_changes']
    assert result['skipped_live'] == [MOUNTED]
    assert read_only_warnings(result) == [READ_ONLY_WARNING % (DROPIN, MOUNTED)]
    assert fingerprint(priv) == before


def test_privileged_auto_writes_what_it_can_persists_the_rest(priv):
    live = _harness.read_sysctl(priv, PROFILE)
    swappiness = _harness.read_sysctl(priv, ['vm.swappiness'])
    settings = {'vm.swappiness': 10}
    result = tune(priv, {'profile': 'high_connection', 'settings': settings})
    assert result['changed']
    assert result['skipped_live'] == [MOUNTED, 'vm.swappiness']
    # one read-only warning for the net.* key; the host-wide key keeps the container's own warning
    assert read_only_warnings(result) == [READ_ONLY_WARNING % (DROPIN, MOUNTED)]
    assert any(warning.startswith('vm.swappiness is host-wide') for warning in result['warnings'])
    now = _harness.read_sysctl(priv, PROFILE)
    assert now[MOUNTED] == live[MOUNTED] == '5000'
    for key in PROFILE:
        if key != MOUNTED:
            assert now[key] == result['values'][key], key
    assert _harness.read_sysctl(priv, ['vm.swappiness']) == swappiness
    assert_persisted(priv, PROFILE, result['values'])
    assert '\nvm.swappiness = 10\n' in dropin(priv)

    files = fingerprint(priv)
    again = tune(priv, {'profile': 'high_connection', 'settings': settings})
    assert not again['changed'] and again['skipped_live'] == [MOUNTED, 'vm.swappiness']
    assert len(read_only_warnings(again)) == 1 and fingerprint(priv) == files
    assert not tune(priv, {'profile': 'high_connection', 'settings': settings}, check=True)['changed']
    assert fingerprint(priv) == files


def test_privileged_true_fails_naming_the_key_and_restores_the_others(priv):
    before = fingerprint(priv)
    result = tune(priv, {'profile': 'high_connection', 'apply_live': True}, expect_failed=True)
    assert result['msg'] == ('the kernel rejected net.ipv4.tcp_max_tw_buckets = 262144: Read-only file system; '
                             'values already written were restored, no file was changed')
    # somaxconn, fin_timeout and syn_backlog were written before it, and put back
    assert fingerprint(priv) == before


def test_privileged_false_persists_only(priv):
    live = _harness.read_sysctl(priv, PROFILE)
    result = tune(priv, {'profile': 'high_connection', 'apply_live': False})
    assert result['changed'] and result['live_changes'] == {} and read_only_warnings(result) == []
    assert _harness.read_sysctl(priv, PROFILE) == live
    assert_persisted(priv, PROFILE, result['values'])
