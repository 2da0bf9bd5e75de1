"""The real-world corpus of corpus.json: fetch the Debian packages, read their sysctl files.

Packages come from the machine's own apt sources with ``apt-get download``
into .build/corpus/debs (a cache: a .deb whose sha256 matches the apt index
is reused), are checked against the sha256 of the apt index, and their files
are read out of the package with ``dpkg-deb --fsys-tarfile`` (nothing is
installed or unpacked on this machine).
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, 'corpus.json')
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
CACHE = os.path.join(REPO, '.build', 'corpus', 'debs')
# A commented-out assignment of a known tree: "#net.ipv4.ip_forward=1", "# kernel.numa_balancing = 1".
COMMENTED = re.compile(r'^#[ \t]*((?:net|kernel|vm|fs)[./][A-Za-z0-9_./-]*[ \t]*=.*)$')


class CorpusError(Exception):
    pass


def manifest():
    with open(MANIFEST) as handle:
        return json.load(handle)


def entries():
    """[(id, package, file entry of the manifest)] in manifest order."""
    out = []
    for package in manifest()['packages']:
        for item in package['files']:
            out.append(('%s:%s' % (package['package'], item['path']), package['package'], item))
    return out


def _run(argv, cwd=None):
    result = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                            env=dict(os.environ, LC_ALL='C'))
    if result.returncode != 0:
        raise CorpusError('%s failed (%d): %s' % (' '.join(argv), result.returncode,
                                                  result.stderr.decode('utf-8', 'replace')[-2000:]))
    return result.stdout.decode('utf-8', 'replace')


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def index_records(packages):
    """The apt index's records of the candidate versions: {package: {Version, Architecture, SHA256, Filename}}."""
    records, record = {}, {}
    output = _run(['apt-cache', 'show', '--no-all-versions'] + sorted(set(packages)))
    for line in output.splitlines() + ['']:
        if not line.strip():
            if record.get('Package'):
                records.setdefault(record['Package'], record)
            record = {}
            continue
        name, sep, value = line.partition(': ')
        if sep and not line.startswith(' ') and name in ('Package', 'Version', 'Architecture', 'SHA256', 'Filename'):
            record[name] = value.strip()
    for package in packages:
        if 'SHA256' not in records.get(package, {}):
            raise CorpusError('apt-cache show %s: no candidate with a SHA256 (apt sources: Debian bookworm)' % package)
    return records


def fetch(package, record):
    """Return the path of the package's cached .deb; download it when it is not cached yet."""
    os.makedirs(CACHE, exist_ok=True)
    name = '%s_%s_%s.deb' % (package, record['Version'].replace(':', '%3a'), record['Architecture'])
    path = os.path.join(CACHE, name)
    if not (os.path.exists(path) and _sha256(path) == record['SHA256']):
        _run(['apt-get', '-q', '-o', 'APT::Sandbox::User=root', 'download', '%s=%s' % (package, record['Version'])],
             cwd=CACHE)
        if not os.path.exists(path):
            raise CorpusError('apt-get download %s did not write %s' % (package, name))
        if _sha256(path) != record['SHA256']:
            raise CorpusError('%s: sha256 %s, the apt index says %s' % (name, _sha256(path), record['SHA256']))
    return path


def read_members(deb, paths):
    """{path: ('file', bytes) or ('symlink', target)} for the wanted paths inside a .deb.

    Read once with dpkg-deb --fsys-tarfile (decompressing a large package takes seconds), then
    from .build/corpus/files/DEB.json.
    """
    wanted = sorted(set(paths))
    cached = os.path.join(os.path.dirname(CACHE), 'files', os.path.basename(deb) + '.json')
    try:
        with open(cached) as handle:
            stored = json.load(handle)
        if stored.get('deb') == os.path.basename(deb) and sorted(stored['members']) == wanted:
            return dict((path, (kind, base64.b64decode(value) if kind == 'file' else value))
                        for path, (kind, value) in stored['members'].items())
    except (OSError, ValueError, KeyError):
        pass
    found = {}
    proc = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode='r|') as archive:
            for member in archive:
                path = '/' + member.name.lstrip('./')
                if path not in wanted:
                    continue
                if member.issym():
                    found[path] = ('symlink', member.linkname)
                elif member.isfile():
                    found[path] = ('file', archive.extractfile(member).read())
    finally:
        proc.stdout.close()
        proc.wait()
    missing = set(wanted) - set(found)
    if missing:
        raise CorpusError('%s has no %s' % (os.path.basename(deb), ', '.join(sorted(missing))))
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    with open(cached, 'w') as handle:
        json.dump({'deb': os.path.basename(deb), 'members': dict(
            (path, (kind, base64.b64encode(value).decode('ascii') if kind == 'file' else value))
            for path, (kind, value) in found.items())}, handle)
    return found


def uncomment(data):
    """The file as an admin who uncomments every commented-out assignment would leave it."""
    lines = data.decode('utf-8', 'surrogateescape').split('\n')
    return '\n'.join(COMMENTED.sub(r'\1', line) for line in lines).encode('utf-8', 'surrogateescape')


def load():
    """Every corpus file: {id: dict(package, version, path, install_at, entry (runner file entry), ...)}."""
    files = {}
    by_package = {}
    for ident, package, item in entries():
        by_package.setdefault(package, []).append((ident, item))
    records = index_records(by_package)
    for package, items in by_package.items():
        record = records[package]
        deb = fetch(package, record)
        members = read_members(deb, [item['path'] for dummy, item in items])
        deb_sha256 = record['SHA256']
        for ident, item in items:
            kind, payload = members[item['path']]
            install_at = item.get('install_at', item['path'])
            if kind == 'symlink':
                entry = {'path': install_at, 'type': 'symlink', 'target': payload}
                digest = 'symlink -> %s' % payload
            else:
                entry = {'path': install_at, 'data': payload}
                digest = hashlib.sha256(payload).hexdigest()
            files[ident] = {'id': ident, 'package': package, 'version': record['Version'], 'path': item['path'],
                            'install_at': install_at, 'why': item['why'], 'entry': entry, 'sha256': digest,
                            'deb': os.path.basename(deb), 'deb_sha256': deb_sha256,
                            'uncomment': bool(item.get('uncomment'))}
    return files
