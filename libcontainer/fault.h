/* Fault injection for the test suite (tests/integration/faults.bats).
 *
 * In a build configured with --enable-fault-injection, HK_FAULT("name")
 * kills the calling process with SIGKILL when the environment variable
 * HUSK_FAULT equals "name": husk itself at the points of create and delete,
 * the container's init at the "init-..." points (init inherits husk's
 * environment until it execs).  That is how a crash at any instant is
 * reproduced: what it leaves must be described truthfully by `state` and
 * removed by `delete --force`.  In any other build HK_FAULT compiles to
 * nothing and HUSK_FAULT is ignored.
 *
 * HUSK_FAULT="name:hang" stops there instead: the process prints "husk:
 * fault point reached, hanging: name" on its stderr and waits forever, so
 * that a test can kill another process (husk, while init hangs in the
 * middle of its mounts) at that very moment.
 *
 * The points, in the order a create meets them (hk_fault_known() checks a
 * name against this list; `husk --version` prints it):
 *
 *   before-cgroup        husk: the state directory is claimed, no cgroup yet
 *   after-cgroup         husk: the cgroup exists and is recorded, no limits
 *   init-start           init: first thing after clone
 *   after-clone          husk: init exists (and is in its cgroup)
 *   init-namespaces      init: namespaces made, CONFIGURED received
 *   init-mounts          init: config.mounts done, /dev and the root not yet
 *   hook-running         whoever runs a hook: once the hook printed something
 *   init-ready           init: built, about to send READY
 *   before-state         husk: init is READY, state.json not written
 *   state-unrenamed      husk: state.json written into cgroup.record, which
 *                        is not yet renamed to it (utils.h, write_file_over)
 *   after-state          husk: state.json written, init not yet told
 *   init-created         init: created, about to wait on the exec fifo (or,
 *                        for `run`, for START on its socket)
 *   run-before-start     husk run: state saved, START not yet sent to init
 *   start-after-fifo     husk start: init released, the fifo not yet removed
 *   init-started         init: released by `start` (or `run`), before execve
 *   delete-after-stop    husk delete: processes killed, cgroup not removed
 *   delete-after-cgroup  husk delete: cgroup removed, state directory not
 */
#ifndef HK_FAULT_H
#define HK_FAULT_H

#include <stdbool.h>
#include <string.h>

#define HK_FAULT_POINTS                                                                            \
  "before-cgroup after-cgroup init-start after-clone init-namespaces init-mounts hook-running "    \
  "init-ready before-state state-unrenamed after-state init-created run-before-start "            \
  "start-after-fifo "                                                                              \
  "init-started delete-after-stop "                                                                \
  "delete-after-cgroup"

#ifdef HK_FAULT_INJECTION
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HK_FAULT_ENABLED true

/* Raw syscalls: init is cloned with a bare clone(), where glibc's cached
 * thread id (used by raise()) is still the parent's.  The init of a new PID
 * namespace cannot signal itself to death (the kernel drops signals sent
 * to it from inside its namespace), so it exits at once instead, skipping
 * every cleanup just the same. */
static inline void hk_fault(const char *point)
{
  static const char hang_msg[] = "husk: fault point reached, hanging: ";
  const char *want = getenv("HUSK_FAULT");
  size_t n = strlen(point);

  if (want == NULL || strncmp(want, point, n) != 0)
    return;
  if (want[n] == '\0') {
    syscall(SYS_kill, (pid_t)syscall(SYS_getpid), SIGKILL);
    syscall(SYS_exit_group, 128 + SIGKILL);
  }
  if (strcmp(want + n, ":hang") == 0) {
    if (write(2, hang_msg, sizeof(hang_msg) - 1) < 0 || write(2, point, n) < 0 ||
        write(2, "\n", 1) < 0) {
      /* the test waits for this line; nothing else to do */
    }
    for (;;)
      pause();
  }
}
#define HK_FAULT(point) hk_fault(point)
#else
#define HK_FAULT_ENABLED false
#define HK_FAULT(point)  ((void)0)
#endif

/* Whether name is one of HK_FAULT_POINTS, alone or followed by ":hang". */
static inline bool hk_fault_known(const char *name)
{
  static const char points[] = HK_FAULT_POINTS;
  size_t n = strlen(name);

  if (n > 5 && strcmp(name + n - 5, ":hang") == 0)
    n -= 5;
  for (const char *p = points; *p;) {
    size_t len = strcspn(p, " ");
    if (len == n && n > 0 && strncmp(p, name, n) == 0)
      return true;
    p += len;
    p += strspn(p, " ");
  }
  return false;
}

#endif
