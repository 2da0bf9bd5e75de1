"""The two plays of a boot test stage (tests/boot/_boot.py), before and after its reboot.

Variables: kt (the stage, from a JSON file): remove (paths), archive (a tar of
the stage's files), commands, before_reboot (shell commands), settle (a shell
command that waits for the boot's writers), checks (arguments of more audits),
probe (the path of _probe.py), extra (its argument) and out (where the results
go, on the controller).
"""


def _probe_and_audit(when):
    """The tasks that read the configuration's keys with their live values (_probe.py) and audit them, registered
    as kt_probe_WHEN and kt_audit_WHEN."""
    return [
        {'name': 'Keys and live values %s the boot' % when,
         'ansible.builtin.script': {'cmd': '{{ kt.probe }} {{ kt.extra }}', 'executable': '/usr/bin/python3'},
         'register': 'kt_probe_%s' % when, 'changed_when': False},
        {'name': 'Audit %s the boot' % when,
         'kerneltune.sysctl.audit': {'expect': '{{ (kt_probe_%s.stdout | from_json).expect }}' % when,
                                     'pressure': False},
         'check_mode': True, 'register': 'kt_audit_%s' % when},
    ]


# The plays of a stage, before and after its reboot. Variables: kt (the stage, from a JSON file).
STAGE_BEFORE = [{
    'name': 'kerneltune boot test stage',
    'hosts': 'vm',
    'gather_facts': False,
    'become': True,
    'tasks': [
        {'name': 'Remove files', 'ansible.builtin.command': {'argv': "{{ ['rm', '-f', '--'] + kt.remove }}"},
         'when': 'kt.remove | length > 0'},
        # The stage's files in one archive: one copy and one unpack instead of a module run per file (each costs
        # seconds on an emulated CPU). Owned by root, mode 0644; missing directories 0755, existing ones kept.
        {'name': 'Files (one archive)', 'ansible.builtin.copy': {'src': '{{ kt.archive }}',
                                                                 'dest': '/root/kt-stage.tar', 'mode': '0600'},
         'when': 'kt.archive | length > 0'},
        {'name': 'Unpack the files', 'when': 'kt.archive | length > 0',
         'ansible.builtin.command': {'argv': ['tar', '-xf', '/root/kt-stage.tar', '-C', '/', '--no-same-owner',
                                              '--no-overwrite-dir', '--remove-files']}},
        {'name': 'Commands', 'ansible.builtin.shell': '{{ item }}', 'loop': '{{ kt.commands }}'},
    ] + _probe_and_audit('before') + [
        {'name': 'Save', 'become': False, 'delegate_to': 'localhost', 'check_mode': False,
         'ansible.builtin.copy': {'content': '{{ {"probe": kt_probe_before.stdout | from_json, '
                                             '"audit": kt_audit_before} | to_json }}',
                                  'dest': '{{ kt.out }}/before.json', 'mode': '0600'}},
        {'name': 'Commands right before the reboot', 'ansible.builtin.shell': '{{ item }}',
         'loop': '{{ kt.before_reboot }}'},
    ],
}]
# Then the harness reboots the VM (_vm.VM.reboot: systemctl reboot, then a login to the next boot, tried every
# second). ansible.builtin.reboot took 40-90 s longer per reboot on the emulated CPU: before rebooting it runs
# the setup and find modules, and between its tries it sleeps up to 12 s.
STAGE_AFTER = [{
    'name': 'kerneltune boot test stage, after the reboot',
    'hosts': 'vm',
    'gather_facts': False,
    'become': True,
    'tasks': [
        {'name': 'Wait until the boot has finished (systemd, udev, tuned)',
         'ansible.builtin.shell': 'systemctl is-system-running --wait || true; udevadm settle; {{ kt.settle }}',
         'changed_when': False},
    ] + _probe_and_audit('after') + [
        {'name': 'Audits of the stage',
         'kerneltune.sysctl.audit': '{{ item }}', 'check_mode': True, 'loop': '{{ kt.checks }}',
         'register': 'kt_checks'},
        {'name': 'Save', 'become': False, 'delegate_to': 'localhost', 'check_mode': False,
         'ansible.builtin.copy': {'content': '{{ {"probe": kt_probe_after.stdout | from_json, '
                                             '"audit": kt_audit_after, "checks": kt_checks.results} | to_json }}',
                                  'dest': '{{ kt.out }}/after.json', 'mode': '0600'}},
    ],
}]
