"""Named grammar and tree edges, each a small case, against the real appliers of every suite.

Each case runs both real appliers in a fresh network namespace and our
prediction (each applier, with and without the oracle); every net.* value
must agree. The comment of a case says what the real appliers did on
procps 4.0.2/4.0.4 and systemd 252/257 (and, where they differ, procps
3.3.17 and systemd 247) when this table was written (see README.md in this
directory); the test itself only compares.
"""

import pytest

import _driver

E = '/etc/sysctl.d/'


def F(path, data):
    return {'path': path, 'data': data}


def L(path, target):
    return {'path': path, 'type': 'symlink', 'target': target}


def A(text):
    """One file in /etc/sysctl.d."""
    return [F(E + '10-a.conf', text)]


CASES = {
    # Inline comments are not comments: the kernel's integer parser stops at the blank.
    'inline comment two blanks': A('net.ipv4.tcp_fin_timeout = 1  # c\n'),
    'inline comment one blank': A('net.core.somaxconn = 2048 # x\n'),
    'inline comment no blank': A('net.ipv4.tcp_sack = 0#c\n'),                         # EINVAL
    'inline semicolon': A('net.ipv4.tcp_sack = 0 ; c\n'),
    'inline comment string key': A('net.ipv4.tcp_congestion_control = reno # x\n'),    # ENOENT
    'value is a comment': A('net.core.somaxconn = # 908\n'),
    'hash inside key': A('net.core.somaxconn#x = 907\n'),
    # Separators.
    'key=v': A('net.core.somaxconn=300\n'),
    'key =v': A('net.core.somaxconn =301\n'),
    'key  =  v': A('net.core.somaxconn  =  302\n'),
    'key = = v': A('net.ipv4.tcp_sack = = 0\n'),
    # procps 3.3: strtok(line, "=") skips leading "=": both apply; 4.0 and systemd: an empty key
    'leading equals': A('=net.core.somaxconn = 333\n==net.ipv4.tcp_fin_timeout=34\n'),
    'key == v': A('net.ipv4.tcp_sack == 0\n'),
    'key: v': A('net.core.somaxconn: 303\n'),
    'key alone': A('net.core.somaxconn\nnet.ipv4.tcp_fin_timeout = 55\n'),
    '= v': A('= 5\nnet.ipv4.tcp_fin_timeout = 56\n'),
    'equals in value': A('net.core.somaxconn = 502=3\n'),
    # Line endings and odd characters.
    'CRLF': A('net.core.somaxconn = 304\r\nnet.ipv4.tcp_fin_timeout = 44\r\n'),
    'CR only': A('net.core.somaxconn = 305\rnet.ipv4.tcp_fin_timeout = 45\r'),      # systemd splits, procps not
    'lone CR in a value': A('net.core.somaxconn = 3\r06\n'),                         # procps 3.3 sets 3
    # procps 3.3 skips a CR after "=" (336) but a blank before it is the whole value (EINVAL)
    'CR right after the equals': A('net.core.somaxconn =\r336\nnet.ipv4.tcp_fin_timeout = \r36\n'),
    'CRLF string key': A('net.ipv4.tcp_congestion_control = reno\r\n'),
    'no newline at EOF': A('net.core.somaxconn = 315'),
    'NUL in a value': A('net.core.somaxconn = 31\x003\n'),
    'NUL at line start': A('\x00net.core.somaxconn = 314\nnet.ipv4.tcp_fin_timeout = 46\n'),
    'NUL between two ints': A('net.ipv4.ip_local_port_range = 20000\x0050000\n'),
    'form feed around key': A('\fnet.core.somaxconn\f=\f307\f\n'),                  # procps strips, systemd not
    'form feed before a key': A('\fnet.core.somaxconn = 318\n'),                     # procps 3.3 does not strip it
    'vertical tab after a value': A('net.core.somaxconn = 319\v\n'),                 # nor this (EINVAL)
    'form feed after a value then a tab': A('net.ipv4.tcp_fin_timeout = 37\t\f\n'),  # the kernel stops at the tab
    'vertical tab around key': A('\vnet.core.somaxconn\v=\v308\v\n'),
    'form feed after int': A('net.core.somaxconn = 1000\f\n'),
    'form feed after string': A('net.ipv4.tcp_congestion_control = reno\f\n'),
    'NBSP around key': A('\u00a0net.core.somaxconn = 309\u00a0\n'),
    'NBSP after int': A('net.core.somaxconn = 1002\u00a0\n'),
    'U+3000 around key': A('\u3000net.core.somaxconn = 310\u3000\n'),
    'UTF-8 BOM': A('\ufeffnet.core.somaxconn = 505\nnet.ipv4.tcp_fin_timeout = 51\n'),
    'invalid UTF-8': [{'path': E + '10-a.conf',
                       'data': b'net.core.somaxconn = 906\xff\nnet.ipv4.tcp_fin_timeout = 65\n\xfe\xfe = 1\n'}],
    'tabs around': A('\tnet.core.somaxconn\t=\t311\t\n'),
    'trailing blanks': A('net.core.somaxconn = 312   \n'),
    'string trailing blanks': A('net.ipv4.tcp_congestion_control = reno   \n'),
    'blank-only lines': A('   \n\t\nnet.ipv4.tcp_fin_timeout = 57\n'),
    'comment kinds': A('# a\n; b\n   # net.core.somaxconn = 504\n;net.core.somaxconn = 503\n'),
    # Values the kernel parses.
    'quoted int': A('net.core.somaxconn = "2048"\n'),
    'quoted string': A('net.ipv4.tcp_congestion_control = "reno"\n'),
    'octal': A('net.core.somaxconn = 020000\n'),
    'octal equal to the default': A('net.core.somaxconn = 010000\n'),
    'bad octal': A('net.ipv4.tcp_fin_timeout = 09\n'),
    'hex': A('net.core.somaxconn = 0x20000\n'),
    'underscore digits': A('net.core.somaxconn = 16_384\n'),
    'two ints for one': A('net.ipv4.tcp_fin_timeout = 30 31\n'),
    'comma ints': A('net.core.somaxconn = 1004,2\n'),
    'plus sign': A('net.core.somaxconn = +500\n'),
    'negative': A('net.ipv4.tcp_fin_timeout = -1\nnet.core.somaxconn = -5\n'),
    'huge': A('net.core.somaxconn = 99999999999999999999\n'),
    'empty values': A('net.core.somaxconn =\nnet.ipv4.tcp_fin_timeout = \n'),
    'beyond a range that is not checked': A('net.ipv4.tcp_syncookies = 7\nnet.ipv4.tcp_sack = 2\n'),
    'port range out of range': A('net.ipv4.ip_local_port_range = 16384 65536\n'),
    'port range with a tab': A('net.ipv4.ip_local_port_range = 16384\t60000\n'),
    'port range three values': A('net.ipv4.ip_local_port_range = 20000 50000 60000\n'),
    'port range one value': A('net.ipv4.ip_local_port_range = 20000\n'),
    'port range reversed': A('net.ipv4.ip_local_port_range = 60000 20000\n'),
    'tcp_rmem two of three': A('net.ipv4.tcp_rmem = 4096 1000\n'),
    'string key': A('net.ipv4.tcp_congestion_control = reno\n'),
    'bogus string': A('net.ipv4.tcp_congestion_control = bogus\n'),
    # Outside the initial namespace only net.ipv4.tcp_allowed_congestion_control may be set: EPERM.
    'restricted congestion control': A('net.ipv4.tcp_congestion_control = cubic\n'),
    'dependent keys in bad order': A('net.ipv4.ipfrag_high_thresh = 512000\nnet.ipv4.ipfrag_low_thresh = 400000\n'),
    'dependent keys low too high': A('net.ipv4.ipfrag_low_thresh = 5000000\nnet.ipv4.ipfrag_high_thresh = 6000000\n'),
    'duplicates': A('net.core.somaxconn = 400\nnet.core.somaxconn = 401\nnet.core.somaxconn = 401\n'),
    'side effects: ip_forward': A('net.ipv4.ip_forward = 1\n'),
    'side effects: stable_secret': A('net.ipv6.conf.lo.stable_secret = 2001:db8::1\n'),
    'side effects: write-only keys': A('net.ipv4.route.flush = 1\nnet.ipv6.conf.lo.stable_secret = ::1\n'),
    'side effects: disable_ipv6': A('net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.lo.disable_ipv6 = 0\n'),
    'unknown and absent keys': A('net.ipv4.no_such = 1\nnet.core.wmem_max = 1\nnet.core.somaxconn = 402\n'),
    'host-wide keys (read-only here)': A('vm.swappiness = 1\nkernel.pid_max = 4194304\nnet.core.somaxconn = 403\n'),
    'directory keys': A('net.ipv4.conf.lo = 1\nnet.ipv4 = 1\n'),
    # found by the generated trees: a glob with a trailing separator matches only directories for procps (nothing
    # set); systemd normalises it away and sets the keys
    'glob with a trailing separator': [F('/etc/sysctl.conf', 'net.core.somaxconn = 8192\nnet.ipv4.tcp_*_timeout. = 20\n'),
                                       L(E + '99-sysctl.conf', '../sysctl.conf')],
    'glob with a trailing separator after a literal': A('net.ipv4.conf.*.rp_filter. = 2\n'),
    # found by the generated trees: conf.default reaches lo (never written), the explicit lo line is rejected;
    # the reload starts from the live values without pinning lo
    'conf.default reaches a device whose own line is rejected': A(
        'net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.conf.*.rp_filter  = 2\nnet.ipv4.conf.lo.rp_filter = 2#c'),
    # "-" prefixes.
    '-key = v': A('-net.core.somaxconn = 316\n-net.no.such = 1\n'),
    '- key = v': A('- net.core.somaxconn = 317\n'),                                 # procps ignores the line
    '--key = v': A('--net.core.somaxconn = 911\n'),
    ' -key = v': A(' -net.core.somaxconn = 910\n'),
    '-/slash key': A('-/net/core/somaxconn = 912\n'),
    '-.dot key': A('-.net.core.somaxconn = 913\n'),
    '-key alone excludes from a glob': A('net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter\n'),
    '-key alone before the glob': A('-net.ipv4.conf.all.rp_filter\nnet.ipv4.conf.*.rp_filter = 2\n'),
    '-key alone in a later file': [F(E + '10.conf', 'net.ipv4.conf.*.rp_filter = 2\n'),
                                   F(E + '20.conf', '-net.ipv4.conf.all.rp_filter\n')],
    '-key alone in sysctl.conf': [F(E + '10.conf', 'net.ipv4.conf.*.rp_filter = 2\n'),
                                  F('/etc/sysctl.conf', '-net.ipv4.conf.all.rp_filter\n')],
    '-key alone slash form': A('net.ipv4.conf.*.rp_filter = 2\n-net/ipv4/conf/lo/rp_filter\n'),
    '-key alone and a comment': A('net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter   # x\n'),
    '-glob': A('-net.ipv4.conf.*.rp_filter = 2\n'),
    '-key = v beats a glob': A('net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter = 1\n'),
    '-host-wide key': A('-kernel.pid_max = 4194304\nnet.core.somaxconn = 1025\n'),
    # Globs.
    'glob': A('net.ipv4.conf.*.arp_filter = 1\n'),
    'glob [^d]': A('net.ipv4.conf.[^d]*.arp_filter = 1\n'),
    'glob ?': A('net.ipv4.conf.?o.arp_filter = 1\n'),
    'glob [n]': A('net.core.somaxcon[n] = 1017\n'),
    'glob in the last component': A('net.ipv4.tcp_*_timeout = 20\n'),
    'glob in the first component': A('n*.core.somaxconn = 1014\n'),
    'glob **': A('net.**.somaxconn = 1015\n'),
    'glob backslash': A('net.core.somaxcon\\n = 1016\n'),
    'glob matching nothing': A('net.ipv4.conf.zz*.rp_filter = 2\n'),
    'glob slash form': A('net/ipv4/conf/*/rp_filter = 2\n'),
    'two globs': A('net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 1\n'),
    'explicit before a glob': A('net.ipv4.conf.lo.rp_filter = 1\nnet.ipv4.conf.*.rp_filter = 2\n'),
    'explicit in an earlier file than a glob': [F(E + '10.conf', 'net.ipv4.conf.lo.rp_filter = 1\n'),
                                                F(E + '20.conf', 'net.ipv4.conf.*.rp_filter = 2\n')],
    'glob then explicit': [F(E + '10.conf', 'net.ipv4.conf.*.rp_filter = 2\n'),
                           F(E + '20.conf', 'net.ipv4.conf.lo.rp_filter = 1\n')],
    'glob in sysctl.conf vs explicit': [F(E + '10.conf', 'net.ipv4.conf.lo.rp_filter = 1\n'),
                                        F('/etc/sysctl.conf', 'net.ipv4.conf.*.rp_filter = 2\n')],
    'explicit then glob of the same key': [F(E + '10.conf', 'net.core.somaxconn = 1020\n'),
                                           F(E + '20.conf', 'net.core.somaxcon? = 1021\n')],
    'glob then explicit of the same key': [F(E + '10.conf', 'net.core.somaxcon? = 1018\n'),
                                           F(E + '20.conf', 'net.core.somaxconn = 1019\n')],
    'glob then glob': [F(E + '10.conf', 'net.core.somaxcon? = 1022\n'), F(E + '20.conf', 'net.core.somaxco?n = 1023\n')],
    'host-wide glob': A('kernel.sched_*= 1\nnet.core.somaxconn = 1024\n'),
    # Key spellings.
    'leading slash': A('/net/ipv4/tcp_fin_timeout = 47\n'),
    'leading dot': A('.net.ipv4.tcp_fin_timeout = 48\n'),
    'double dot': A('net..core.somaxconn = 128\n'),
    'triple dot': A('net.ipv4.conf.lo...rp_filter = 1\n'),
    'trailing dot': A('net.ipv4.tcp_sack. = 0\n'),                                # procps ignores, systemd applies
    'trailing slash': A('net/ipv4/tcp_fin_timeout/ = 62\n'),
    'slash form': A('net/ipv4/tcp_fin_timeout = 49\n'),
    'dot then slash': A('net.ipv4/tcp_fin_timeout = 50\n'),
    'slash then ./': A('net/ipv4/./tcp_fin_timeout = 59\n'),
    'slash then ../': A('net/ipv4/../ipv4/tcp_fin_timeout = 64\n'),               # systemd 250+ EINVAL, 247 sets it
    'double slash': A('net//ipv4/tcp_fin_timeout = 61\n'),
    'upper case': A('NET.IPV4.TCP_FIN_TIMEOUT = 63\n'),
    'blank inside a key': A('net.core. somaxconn = 501\n'),
    'key of 300 characters': A('net.ipv4.' + 'a' * 300 + ' = 1\nnet.ipv4.tcp_fin_timeout = 58\n'),
    # Long lines: systemd-sysctl stops reading a file at a line of 1 MiB or more.
    'comment of 4096': A('#' + 'x' * 4095 + 'net.core.somaxconn = 900\nnet.ipv4.tcp_fin_timeout = 52\n'),
    'assignment padded to 5000': A('net.core.somaxconn = 901'.ljust(5000) + '\nnet.ipv4.tcp_fin_timeout = 53\n'),
    'blanks before a value': A('net.core.somaxconn =' + ' ' * 5000 + '902\n'),
    'comment of 1 MiB - 1': [F(E + '10-a.conf', 'net.ipv4.tcp_fin_timeout = 54\n#' + 'x' * ((1 << 20) - 2)
                               + '\nnet.core.somaxconn = 904\n'), F(E + '20-b.conf', 'net.ipv4.tcp_sack = 0\n')],
    'comment of 1 MiB': [F(E + '10-a.conf', 'net.ipv4.tcp_fin_timeout = 54\n#' + 'x' * ((1 << 20) - 1)
                           + '\nnet.core.somaxconn = 904\n'), F(E + '20-b.conf', 'net.ipv4.tcp_sack = 0\n')],
    # Trees: directories, masking, order, names, file types.
    'interleaved directories': [F('/usr/lib/sysctl.d/10-a.conf', 'net.core.somaxconn = 1005\n'),
                                F(E + '20-b.conf', 'net.core.somaxconn = 1006\n'),
                                F('/run/sysctl.d/30-c.conf', 'net.core.somaxconn = 1007\n')],
    '/run masks /usr/lib': [F('/run/sysctl.d/20-d.conf', 'net.core.somaxconn = 781\n'),
                            F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 782\n')],
    '/usr/local/lib and /usr/lib in name order': [F('/usr/local/lib/sysctl.d/30-d.conf', 'net.core.somaxconn = 783\n'),
                                                  F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 784\n')],
    '/lib/sysctl.d': [F('/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 785\n')],
    '/dev/null masks': [L(E + '20-d.conf', '/dev/null'), F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 779\n')],
    'empty file masks': [F(E + '20-d.conf', ''), F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 779\n')],
    'dangling symlink masks': [L(E + '20-d.conf', '/nonexistent'),
                               F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 780\n')],
    'directory named .conf masks': [{'path': E + '20-d.conf', 'type': 'dir'},
                                    F('/usr/lib/sysctl.d/20-d.conf', 'net.core.somaxconn = 778\n'),
                                    F(E + '30-b.conf', 'net.ipv4.tcp_fin_timeout = 33\n')],
    'symlink to a directory': [L(E + 'a.conf', '/run/kt-case'), F('/run/kt-case/x.conf', 'net.core.somaxconn = 1009\n')],
    'symlink loop': [L(E + 'a.conf', 'b.conf'), L(E + 'b.conf', 'a.conf'), F(E + 'c.conf', 'net.core.somaxconn = 1010\n')],
    'symlink to a file elsewhere': [L(E + '10-a.conf', '/run/kt-case/real.conf'),
                                    F('/run/kt-case/real.conf', 'net.core.somaxconn = 798\n')],
    'relative symlink to a .txt': [L(E + 'a.conf', '../sysctl.d/b.txt'), F(E + 'b.txt', 'net.core.somaxconn = 1013\n')],
    'mode 000 (root reads it)': [{'path': E + '10-a.conf', 'data': 'net.core.somaxconn = 799\n', 'mode': 0}],
    'hidden .x.conf': [F(E + '.x.conf', 'net.core.somaxconn = 786\n')],                 # procps reads it, systemd not
    'hidden .conf': [F(E + '.conf', 'net.core.somaxconn = 787\n')],
    'hidden file masks': [F(E + '.x.conf', 'net.ipv4.tcp_sack = 0\n'),
                          F('/usr/lib/sysctl.d/.x.conf', 'net.core.somaxconn = 787\n')],
    'upper-case .CONF, no suffix, backups': [F(E + 'a.CONF', 'net.core.somaxconn = 788\n'),
                                             F(E + 'a', 'net.core.somaxconn = 789\n'),
                                             F(E + 'a.conf~', 'net.core.somaxconn = 790\n'),
                                             F(E + 'a.conf.bak', 'net.core.somaxconn = 791\n')],
    'subdirectory': [F(E + 'sub/a.conf', 'net.core.somaxconn = 1008\n')],
    'name with a blank': [F(E + 'a b.conf', 'net.core.somaxconn = 1011\n')],
    'name with a newline': [F(E + 'a\nb.conf', 'net.core.somaxconn = 1012\n')],
    'name order: digits': [F(E + '9-a.conf', 'net.core.somaxconn = 800\n'), F(E + '10-a.conf', 'net.core.somaxconn = 801\n')],
    'name order: case': [F(E + 'B.conf', 'net.core.somaxconn = 802\n'), F(E + 'a.conf', 'net.core.somaxconn = 803\n')],
    'name order: - _ .': [F(E + 'a-b.conf', 'net.core.somaxconn = 804\n'), F(E + 'a_b.conf', 'net.core.somaxconn = 805\n'),
                          F(E + 'a.b.conf', 'net.core.somaxconn = 806\n')],
    'sysctl.conf without the 99-sysctl.conf link': [F('/etc/sysctl.conf', 'net.core.somaxconn = 792\n'),
                                                    F(E + 'zz.conf', 'net.core.somaxconn = 793\n')],
    'sysctl.conf with the link, zz.conf later': [F('/etc/sysctl.conf', 'net.core.somaxconn = 794\n'),
                                                 L(E + '99-sysctl.conf', '../sysctl.conf'),
                                                 F(E + 'zz.conf', 'net.core.somaxconn = 795\n')],
    'sysctl.conf with the link, 50.conf earlier': [F('/etc/sysctl.conf', 'net.core.somaxconn = 796\n'),
                                                   L(E + '99-sysctl.conf', '../sysctl.conf'),
                                                   F(E + '50.conf', 'net.core.somaxconn = 797\n')],
    'sysctl.conf is a FIFO': [F(E + '10-a.conf', 'net.ipv4.tcp_fin_timeout = 33\n'),
                              {'path': '/etc/sysctl.conf', 'type': 'fifo'}],
    'FIFO not named .conf': [F(E + '10-a.conf', 'net.ipv4.tcp_fin_timeout = 33\n'), {'path': E + '20-x.txt', 'type': 'fifo'}],
    'FIFO named .conf': [F(E + '10-a.conf', 'net.ipv4.tcp_fin_timeout = 33\n'), {'path': E + '99-z.conf', 'type': 'fifo'}],
}
LINKED = {
    'interface with a dot': [F(E + '10-a.conf', 'net.ipv4.conf.eth0/100.rp_filter = 2\nnet/ipv4/conf/eth0.100/arp_filter=1\n')],
    'interface with a dot, dotted wrongly': [F(E + '10-a.conf', 'net.ipv4.conf.eth0.100.arp_filter = 1\n')],
    'glob over an interface with a dot': [F(E + '10-a.conf', 'net.ipv4.conf.*.rp_filter = 2\n')],
    'glob eth0/*': [F(E + '10-a.conf', 'net.ipv4.conf.eth0/*.rp_filter = 2\n')],
    'glob eth?/100': [F(E + '10-a.conf', 'net.ipv4.conf.eth?/100.rp_filter = 2\n')],
    'default propagates to interfaces?': [F(E + '10-a.conf', 'net.ipv4.conf.default.rp_filter = 2\n')],
    'all.forwarding propagates': [F(E + '10-a.conf', 'net.ipv4.conf.all.forwarding = 1\n')],
    # the kernel copies conf.default to the devices except forwarding and the route-flushing settings
    'default.forwarding does not propagate': [F(E + '10-a.conf', 'net.ipv4.conf.default.forwarding = 1\n'
                                                'net.ipv4.conf.default.route_localnet = 1\n'
                                                'net.ipv4.conf.default.promote_secondaries = 1\n'
                                                'net.ipv4.conf.default.disable_policy = 1\n'
                                                'net.ipv4.conf.default.accept_local = 1\n')],
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_edge(runners, name):
    files = CASES[name]
    _driver.check(files, _driver.run_everywhere(runners, files), title=name)


@pytest.mark.parametrize('name', sorted(LINKED))
def test_edge_with_an_interface(runners, name):
    files = LINKED[name]
    _driver.check(files, _driver.run_everywhere(runners, files, links=['eth0.100']), title=name)
