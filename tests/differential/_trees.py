"""Hypothesis strategies: sysctl.d trees that walk the grammar's edges.

A tree is a list of file entries for runner.py (path, type, data bytes or
symlink target) plus the interfaces to create in each fresh namespace.
Values only matter for net.* keys (the container's host-wide /proc/sys trees
are read-only); a few kernel./vm. lines stand for real files' host-wide keys.
Every choice is a sampled_from or a small integer, simplest first, so that
a failing tree shrinks to a few short lines.
"""

from hypothesis import strategies as st

DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d')
NAMES = ('10-a.conf', '50-default.conf', '60-b.conf', '99-sysctl.conf', 'zz.conf', '.x.conf', '.conf',
         'a.conf', '9-early.conf', 'b.txt', '10-a.conf~', 'A.CONF')
LINK = 'eth0.100'  # an interface with a dot in its name, created in each namespace when the tree asks for it

# key -> simplest-first values (strings as written in a file, before decoration)
INT_KEYS = {
    'net.core.somaxconn': ('8192', '128', '4096', '0x2000', '020000', '010000', '16_384', '-1', '0', '2147483647',
                           '99999999999999999999', '09', '+5', '1024 2048'),
    'net.ipv4.tcp_max_tw_buckets': ('262144', '5000', '0', '-3', '0x40000'),
    'net.ipv4.tcp_max_syn_backlog': ('8192', '1024', '128', '0'),
    'net.ipv4.tcp_fin_timeout': ('30', '60', '-1', '1', '0x1e', '036'),
    'net.ipv4.tcp_syncookies': ('1', '0', '2', '7'),
    'net.ipv4.tcp_sack': ('0', '1', '2'),
    'net.ipv4.tcp_tw_reuse': ('1', '0', '2', '3'),
    'net.ipv4.tcp_keepalive_time': ('600', '7200', '0'),
    'net.ipv4.conf.all.rp_filter': ('1', '0', '2', '3'),
    'net.ipv4.conf.default.rp_filter': ('1', '0', '2'),
    'net.ipv4.conf.lo.rp_filter': ('2', '0', '1'),
    'net.ipv4.conf.all.arp_announce': ('2', '0', '1'),
    'net.ipv4.conf.lo.arp_filter': ('1', '0'),
    'net.ipv4.conf.eth0/100.rp_filter': ('2', '0', '1'),
    'net.ipv4.ipfrag_high_thresh': ('512000', '4194304', '6000000', '100000'),
    'net.ipv4.ipfrag_low_thresh': ('400000', '3145728', '5000000', '262144'),
    'net.unix.max_dgram_qlen': ('512', '10', '0'),
    'net.ipv4.ip_forward': ('1', '0'),
    'net.ipv6.conf.all.disable_ipv6': ('1', '0'),
    'net.ipv4.tcp_rmem': ('4096 131072 6291456', '4096 87380', '8192\t65536\t16777216', '1 2 3 4'),
    'net.ipv4.ip_local_port_range': ('16384 65535', '16384 65536', '1024\t65000', '60000 20000', '20000',
                                     '20000  50000', '32768 60999 1', '20000,50000'),
    'net.ipv4.ping_group_range': ('0 2147483647', '1 0', '100 200'),
    'net.ipv4.tcp_congestion_control': ('reno', 'cubic', 'bogus', '"reno"', 'Reno'),
    'net.ipv6.conf.lo.stable_secret': ('2001:db8::1', 'nonsense'),
    'net.core.wmem_max': ('16777216',),          # only in the initial namespace: absent here
    'net.ipv4.no_such_key': ('1',),
    'kernel.pid_max': ('4194304',),              # host-wide: read-only in the container
    'vm.swappiness': ('10',),
}
GLOBS = {
    'net.ipv4.conf.*.rp_filter': ('2', '1', '0'),
    'net.ipv4.conf.[^d]*.arp_filter': ('1', '0'),
    'net.ipv4.conf.?o.arp_announce': ('2', '1'),
    'net.ipv4.conf.*.arp_announce': ('1', '2'),
    'net.ipv4.tcp_*_timeout': ('20', '40'),
    'net.core.somaxcon?': ('1000', '2000'),
    'net.ipv4.conf.eth0/*.rp_filter': ('2', '1'),
    'kernel.sched_*': ('1',),
}
KEYS = tuple(INT_KEYS)
# Weighted coins that shrink to the plain choice (False) first.
SOMETIMES = st.sampled_from((False, False, True))
RARE = st.sampled_from((False, False, False, True))
SELDOM = st.sampled_from((False,) * 19 + (True,))
OFTEN = st.sampled_from((False, True, True))
GLOB_KEYS = tuple(GLOBS)

KEY_FORMS = ('dotted', 'slash', 'leading_slash', 'leading_dot', 'double_sep', 'trailing_sep', 'dot_then_slash',
             'upper', 'inner_space')
PREFIXES = ('', '-', '- ', '--', ' -')
SEPARATORS = (' = ', '=', ' =', '= ', '  =  ', '\t=\t', ' = = ', ' == ', ': ', ' ')
PADS = ('', ' ', '\t', '  ', '\f', '\v', '\u00a0', '\u3000', '\ufeff')
VALUE_FORMS = ('plain', 'comment_2sp', 'comment_1sp', 'comment_tight', 'semicolon', 'trailing_space',
               'leading_tab', 'quoted', 'empty', 'nul_inside', 'lone_cr', 'form_feed', 'nbsp', 'hash_only')
COMMENTS = ('# comment', '; comment', '   # net.core.somaxconn = 5', '#net.ipv4.tcp_sack=0', '', '   ', '\t',
            'this line is not an assignment', 'net.core.somaxconn', '= 5', '\x00net.ipv4.tcp_sack = 0',
            'net.ipv4.tcp_sack = 0\x00# after a NUL')
LONG = (4095, 4096, 5000, (1 << 20) - 2, 1 << 20, (1 << 20) + 3)
ENDINGS = ('\n', '\r\n', '\r')


class Data(bytes):
    """A file's bytes, shown clipped (Hypothesis prints the falsifying tree; some lines are 1 MiB long)."""

    def __repr__(self):
        text = bytes.__repr__(self)
        if len(text) <= 400:
            return text
        return '%s...<%d bytes>...%s' % (text[:200], len(self), text[-150:])


def render_key(key, form):
    parts = [part.replace('/', '.') for part in key.split('.')]  # /proc/sys path components
    dotted = '.'.join(part.replace('.', '/') for part in parts)
    slashed = '/'.join(parts)
    if form == 'dotted':
        return dotted
    if form == 'slash':
        return slashed
    if form == 'leading_slash':
        return '/' + slashed
    if form == 'leading_dot':
        return '.' + dotted
    if form == 'double_sep':
        first, rest = dotted.split('.', 1)
        return first + '..' + rest
    if form == 'trailing_sep':
        return dotted + '.'
    if form == 'dot_then_slash':  # first separator a dot, a later one a slash: a different path
        return dotted.replace('.', '/', 2).replace('/', '.', 1)
    if form == 'upper':
        return dotted.upper()
    if form == 'inner_space':
        first, rest = dotted.split('.', 1)
        return first + '. ' + rest
    raise ValueError(form)


def render_value(value, form):
    if form == 'plain':
        return value
    if form == 'comment_2sp':
        return value + '  # c'
    if form == 'comment_1sp':
        return value + ' # x'
    if form == 'comment_tight':
        return value + '#c'
    if form == 'semicolon':
        return value + ' ; c'
    if form == 'trailing_space':
        return value + '   '
    if form == 'leading_tab':
        return '\t' + value
    if form == 'quoted':
        return '"%s"' % value
    if form == 'empty':
        return ''
    if form == 'nul_inside':
        return value[:1] + '\x00' + value[1:]
    if form == 'lone_cr':
        return value[:1] + '\r' + value[1:]
    if form == 'form_feed':
        return value + '\f'
    if form == 'nbsp':
        return value + '\u00a0'
    if form == 'hash_only':
        return '# ' + value
    raise ValueError(form)


@st.composite
def assignment(draw):
    if draw(RARE):
        key = draw(st.sampled_from(GLOB_KEYS))
        value = draw(st.sampled_from(GLOBS[key]))
    else:
        key = draw(st.sampled_from(KEYS))
        value = draw(st.sampled_from(INT_KEYS[key]))
    form = draw(st.sampled_from(KEY_FORMS)) if draw(SOMETIMES) else 'dotted'
    prefix = draw(st.sampled_from(PREFIXES)) if draw(RARE) else ''
    if draw(SOMETIMES):
        before, after_key, after_value = (draw(st.sampled_from(PADS)) for dummy in range(3))
    else:
        before = after_key = after_value = ''
    if prefix.strip() == '-' and draw(SOMETIMES):  # "-key" alone: excluded from globs
        return before + prefix + render_key(key, form) + after_key
    separator = draw(st.sampled_from(SEPARATORS)) if draw(RARE) else ' = '
    vform = draw(st.sampled_from(VALUE_FORMS)) if draw(SOMETIMES) else 'plain'
    return (before + prefix + render_key(key, form) + after_key + separator + render_value(value, vform)
            + after_value)


@st.composite
def other_line(draw):
    if draw(SELDOM):  # a long line: comment, or an assignment after padding
        length = draw(st.sampled_from(LONG))
        tail = draw(st.sampled_from(('', 'net.ipv4.tcp_sack = 0')))
        if draw(st.booleans()):
            return '#' + 'x' * max(0, length - 1 - len(tail)) + tail
        return 'net.core.somaxconn = 1000' + ' ' * length
    return draw(st.sampled_from(COMMENTS))


@st.composite
def file_text(draw):
    lines = draw(st.lists(st.one_of(assignment(), assignment(), assignment(), other_line()), max_size=8))
    ending = draw(st.sampled_from(ENDINGS)) if draw(RARE) else '\n'
    text = ''.join(line + ending for line in lines)
    if text and draw(RARE):
        text = text[:-len(ending)]  # no line ending at the end of the file
    return Data(text.encode('utf-8'))


def _normal(path):
    return path.replace('/lib/sysctl.d/', '/usr/lib/sysctl.d/', 1) if path.startswith('/lib/') else path


@st.composite
def entry(draw):
    path = draw(st.sampled_from(DIRS)) + '/' + draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(('file', 'file', 'file', 'file', 'devnull', 'symlink', 'dangling', 'dir')))
    if kind == 'file':
        return {'path': path, 'data': draw(file_text())}
    if kind == 'devnull':
        return {'path': path, 'type': 'symlink', 'target': '/dev/null'}
    if kind == 'symlink':
        return {'path': path, 'type': 'symlink', 'target': draw(st.sampled_from(
            ('/etc/sysctl.conf', '/etc/sysctl.d/10-a.conf', '/run/kt-case/real.conf')))}
    if kind == 'dangling':
        return {'path': path, 'type': 'symlink', 'target': '/nonexistent.conf'}
    return {'path': path, 'type': 'dir'}


@st.composite
def trees(draw, fifo=False):
    """(files, links): a sysctl.d tree and the interfaces to create."""
    files = {}
    for item in draw(st.lists(entry(), max_size=6)):
        files[_normal(item['path'])] = item
    if draw(OFTEN):
        files['/etc/sysctl.conf'] = {'path': '/etc/sysctl.conf', 'data': draw(file_text())}
    if draw(st.booleans()):  # Debian's procps ships this link: systemd-sysctl reads sysctl.conf in name order
        files.setdefault('/etc/sysctl.d/99-sysctl.conf',
                         {'path': '/etc/sysctl.d/99-sysctl.conf', 'type': 'symlink', 'target': '../sysctl.conf'})
    if any(item.get('target') == '/run/kt-case/real.conf' for item in files.values()):
        files['/run/kt-case/real.conf'] = {'path': '/run/kt-case/real.conf', 'data': draw(file_text())}
    if fifo and draw(SELDOM):
        path = draw(st.sampled_from(DIRS)) + '/' + draw(st.sampled_from(NAMES))
        files[_normal(path)] = {'path': path, 'type': 'fifo'}
    links = [LINK] if draw(st.booleans()) else []
    return list(files.values()), links
