"""The release tarball installs offline into a clean collections path and works from there."""

import json
import os

import _harness


def test_release_tarball_installs_offline_and_audits(tmp_path, alibaba_host):
    dist = tmp_path / 'dist'
    tarball = _harness.run('bash', os.path.join(_harness.REPO, 'scripts', 'release.sh'),
                           env={'KT_DIST': str(dist)}).stdout.strip().splitlines()[-1]
    assert os.path.basename(tarball) == 'kerneltune-sysctl-0.1.0.tar.gz'
    listing = _harness.run('tar', '-tzf', tarball).stdout.split()
    assert 'plugins/modules/audit.py' in listing and 'roles/sysctl_tuning/tasks/main.yml' in listing
    assert not [name for name in listing if name.startswith(('.venv', '.build', 'reports/', 'dist/', '.git/'))]

    collections = tmp_path / 'collections'
    # Only the installed copy of kerneltune.sysctl, plus containers.podman for the connection;
    # PYTHONPATH would expose this checkout (ansible also finds collections on sys.path).
    site = os.path.dirname(os.path.dirname(_harness.run(
        os.path.join(_harness.BIN, 'python'), '-c',
        'import ansible_collections.containers.podman as p; print(p.__path__[0])').stdout.strip()))
    env = {'ANSIBLE_COLLECTIONS_PATH': '%s:%s' % (collections, os.path.dirname(site)), 'PYTHONPATH': ''}
    _harness.run(os.path.join(_harness.BIN, 'ansible-galaxy'), 'collection', 'install', '--offline',
                 '-p', str(collections), tarball, env=env)
    assert (collections / 'ansible_collections' / 'kerneltune' / 'sysctl' / 'MANIFEST.json').exists()
    doc = _harness.run(os.path.join(_harness.BIN, 'ansible-doc'), 'kerneltune.sysctl.audit', env=env).stdout
    assert str(collections) in doc

    reports = tmp_path / 'reports'
    _harness.playbook('kerneltune.sysctl.audit', _harness.inventory([alibaba_host]), check=True, env=env,
                      extra_vars={'sysctl_audit_report_dir': str(reports)})
    report = json.loads((reports / 'report.json').read_text())
    assert report['host_status'] == {alibaba_host: 'drift'}


def test_execution_environment_definition_builds_a_context(tmp_path):
    ee = os.path.join(_harness.REPO, 'ee')
    work = tmp_path / 'ee'
    _harness.run('cp', '-r', ee, str(work))
    tarball = _harness.run('bash', os.path.join(_harness.REPO, 'scripts', 'release.sh'),
                           env={'KT_DIST': str(work)}).stdout.strip().splitlines()[-1]
    assert os.path.exists(tarball)
    context = tmp_path / 'context'
    _harness.run(os.path.join(_harness.BIN, 'ansible-builder'), 'create', '-f', str(work / 'execution-environment.yml'),
                 '--context', str(context))
    containerfile = (context / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile or 'install-from-bindep' in containerfile
    assert (context / '_build' / 'collections' / 'kerneltune-sysctl-0.1.0.tar.gz').exists()
