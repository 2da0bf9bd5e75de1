"""Boot the VM images of build-vm.sh under QEMU and reach them over SSH on a loopback port.

A VM boots its image's kernel and initrd (``-kernel``/``-initrd``, a command
line of our choice with ``-append``) from a qcow2 overlay in a temporary
directory: the image itself is only ever read. Its one NIC is QEMU's user
network with ``restrict=on`` (no way out) and one forwarded port,
127.0.0.1:PORT to the guest's sshd. The serial console goes to
``serial.log`` next to the overlay (appended across boots), printed when a
boot fails.

KVM when it works, else TCG: ``accel()`` boots the image's kernel once under
KVM without a disk and waits a few seconds for it to print; a kernel that
does not (this machine's nested KVM hangs or aborts) means TCG. QEMU dies
with the process that started it (PR_SET_PDEATHSIG, by setpriv), and ``kill()`` /
``kill_all()`` end it in any case: no VM outlives a test session, even on
Ctrl-C or a crash.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

QEMU = 'qemu-system-x86_64'
# The kernel command line every boot starts with; tests add to it (sysctl.KEY=VALUE).
BASE_CMDLINE = 'console=ttyS0 root=/dev/vda rw net.ifnames=0 quiet'
USER = 'kt'
# -F /dev/null: nothing of the real user's ~/.ssh/config; no known-hosts file (each VM has its image's host keys).
SSH_OPTIONS = ('-F', '/dev/null', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no',
               '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes')
_RUNNING = set()


class VMError(Exception):
    pass


def _with_parent(argv):
    """argv run so that it gets SIGKILL when the process that started it dies (setpriv sets PR_SET_PDEATHSIG,
    then executes it; util-linux)."""
    return ['setpriv', '--pdeathsig', 'KILL'] + list(argv)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def accel(image, seconds=10):
    """'kvm' if a kernel boots under KVM on this machine (it prints within ``seconds``), else 'tcg'.

    KT_BOOT_ACCEL (kvm or tcg) decides without the probe."""
    forced = os.environ.get('KT_BOOT_ACCEL')
    if forced:
        return forced
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return 'tcg'
    workdir = tempfile.mkdtemp(prefix='kt-boot-probe-')
    log = os.path.join(workdir, 'serial.log')
    argv = [QEMU, '-accel', 'kvm', '-cpu', 'host', '-smp', '1', '-m', '256', '-nodefaults', '-no-user-config',
            '-display', 'none', '-no-reboot', '-serial', 'file:%s' % log,
            '-kernel', os.path.join(image, 'vmlinuz'), '-append', 'console=ttyS0 panic=-1']
    proc = subprocess.Popen(_with_parent(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        # No root file system: the kernel panics at the end of its own boot, and QEMU exits (-no-reboot).
        deadline = time.time() + seconds
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
        if not os.path.exists(log):
            return 'tcg'
        with open(log, 'rb') as handle:
            return 'kvm' if b'Kernel panic' in handle.read() else 'tcg'
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


class VM(object):
    """One VM of a build-vm.sh image: its overlay, serial log and QEMU process live in ``workdir``."""

    def __init__(self, image, workdir, accel_name='tcg', memory=1024, boot_timeout=600):
        self.image = image
        self.workdir = workdir
        self.accel = accel_name
        self.memory = memory
        self.boot_timeout = boot_timeout
        self.key = os.path.join(workdir, 'id_ed25519')
        self.overlay = os.path.join(workdir, 'overlay.qcow2')
        self.serial = os.path.join(workdir, 'serial.log')
        self.proc = None
        self.port = None
        self.cmdline = None
        self.boots = []  # (command line, seconds from QEMU's start or the reboot to SSH)
        # ssh refuses a private key others can read: a copy of the image's, mode 0600, in the work directory.
        shutil.copyfile(os.path.join(image, 'id_ed25519'), self.key)
        os.chmod(self.key, 0o600)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b',
                        os.path.join(image, 'disk.raw'), self.overlay], check=True)

    def argv(self):
        cpu = ['-accel', 'kvm', '-cpu', 'host'] if self.accel == 'kvm' else ['-accel', 'tcg', '-cpu', 'max']
        return [QEMU] + cpu + [
            '-smp', '1', '-m', str(self.memory), '-nodefaults', '-no-user-config', '-display', 'none',
            '-chardev', 'file,id=serial0,path=%s,append=on' % self.serial, '-serial', 'chardev:serial0',
            '-kernel', os.path.join(self.image, 'vmlinuz'), '-initrd', os.path.join(self.image, 'initrd.img'),
            '-append', self.cmdline,
            '-drive', 'file=%s,if=virtio,format=qcow2,cache=unsafe' % self.overlay,
            '-netdev', 'user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:%d-:22' % self.port,
            '-device', 'virtio-net-pci,netdev=net0', '-device', 'virtio-rng-pci']

    def start(self, extra_cmdline=''):
        """Boot with BASE_CMDLINE plus ``extra_cmdline``; return once kt can log in with sudo."""
        assert self.proc is None, 'the VM is running'
        self.cmdline = ' '.join(part for part in (BASE_CMDLINE, extra_cmdline) if part)
        for attempt in range(3):
            self.port = _free_port()
            with open(self.serial, 'a') as handle:
                handle.write('\n==== kt-boot: QEMU (%s) starts, -append %r, ssh port %d\n'
                             % (self.accel, self.cmdline, self.port))
            started = time.time()
            self.proc = subprocess.Popen(_with_parent(self.argv()), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            _RUNNING.add(self)
            time.sleep(0.5)
            if self.proc.poll() is not None and attempt < 2:
                output = self.proc.stdout.read().decode('utf-8', 'replace')
                self.proc = None
                _RUNNING.discard(self)
                if 'hostfwd' in output or 'host forwarding' in output:
                    continue  # the port was taken in between: another one
                raise VMError('QEMU exited at once: %s' % output[-2000:])
            break
        self.wait_ssh(started)

    def wait_ssh(self, started, other_than=None):
        """Wait until kt logs in with sudo, to a boot whose boot_id is not ``other_than`` (the one before a
        reboot); return that boot_id. Tried every second; a try waits 3 s for sshd's banner at most (while the
        guest boots, QEMU's port forward accepts the connection and nothing answers)."""
        deadline = started + self.boot_timeout
        last = None
        while True:
            if self.proc.poll() is not None:
                output = self.proc.stdout.read().decode('utf-8', 'replace')
                raise VMError('QEMU exited (%s) before SSH came up: %s\n%s'
                              % (self.proc.returncode, output[-2000:], self.serial_tail()))
            try:
                result = self.ssh('sudo -n cat /proc/sys/kernel/random/boot_id', check=False, timeout=20,
                                  connect_timeout=3)
                boot_id = result.stdout.strip()
                if result.returncode == 0 and boot_id and boot_id != other_than:
                    self.boots.append((self.cmdline, time.time() - started))
                    return boot_id
                last = (result.stdout + result.stderr).strip()
            except subprocess.TimeoutExpired:
                last = 'ssh timed out'
            if time.time() > deadline:
                raise VMError('no SSH to the VM after %ds (last: %s)\n%s'
                              % (self.boot_timeout, last, self.serial_tail()))
            time.sleep(1)

    def ssh_argv(self, connect_timeout=10):
        return ['ssh', '-i', self.key, '-p', str(self.port), '-o', 'BatchMode=yes',
                '-o', 'ConnectTimeout=%d' % connect_timeout, '-o', 'ControlPath=none'] + list(SSH_OPTIONS) + \
            ['%s@127.0.0.1' % USER]

    def ssh(self, command, check=True, timeout=300, connect_timeout=10):
        """Run a shell command in the VM as kt; return CompletedProcess (text)."""
        # stdin /dev/null: an ssh whose connection a reboot cuts leaves the standard input it was given in
        # non-blocking mode, and the next ansible-playbook that inherits it refuses to run
        result = subprocess.run(self.ssh_argv(connect_timeout) + [command], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise VMError('ssh %r failed (%d): %s %s' % (command, result.returncode, result.stdout[-2000:],
                                                         result.stderr[-2000:]))
        return result

    def reboot(self, boot_id):
        """Reboot the guest (systemctl reboot, as root) and wait until kt logs in to the next boot; return
        the seconds that took. ``boot_id``: the boot's before (read by the caller, who may have rebooted it)."""
        started = time.time()
        with open(self.serial, 'a') as handle:
            handle.write('\n==== kt-boot: reboot (boot %s)\n' % boot_id)
        # the reboot cuts the connection: its status does not matter, the next boot_id does
        self.ssh('sudo -n systemctl reboot', check=False, timeout=60, connect_timeout=5)
        self.wait_ssh(started, other_than=boot_id)
        return time.time() - started

    def kernel_release(self):
        return self.ssh('uname -r').stdout.strip()

    def kill(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None
        _RUNNING.discard(self)

    def serial_tail(self, lines=80):
        try:
            with open(self.serial, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace')
        except OSError as exc:
            return '(no serial log: %s)' % exc
        return '---- serial console (%s), last %d lines:\n%s' % (self.serial, lines,
                                                                 '\n'.join(text.splitlines()[-lines:]))


def kill_all():
    """Kill every VM this process started that still runs."""
    for vm in list(_RUNNING):
        vm.kill()
