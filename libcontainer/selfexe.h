/* Protection of the husk binary itself (CVE-2019-5736).
 *
 * A process that husk puts in a container starts as a copy of husk, and a
 * container process that reaches /proc/PID/exe of such a process (or makes
 * husk run again inside the container through a "#!/proc/self/exe" script)
 * could reopen the host's husk binary for writing and replace it.  Two
 * defences, chosen per container or exec:
 *
 *  - the exec stub (exec-stub.c), the usual one: every execve() made inside
 *    the container (the process's own, a startContainer hook's) goes
 *    through a tiny static program run from a sealed memfd, so that what
 *    /proc/self/exe names when the container's code starts is that sealed
 *    stub.  Until then the copy of husk is not dumpable, so no process of
 *    the container can open its /proc/PID/exe;
 *  - the sealed copy: husk re-executes itself from a sealed memfd copy of
 *    its binary before it spawns anything, so /proc/PID/exe names that copy
 *    all along.  It costs a second dynamic load (0.6 ms), and is used only
 *    where the stub's extra execve() could change the outcome or the
 *    undumpable window is not enough; hk_selfexe_stub_unfit() says when. */
#ifndef HK_SELFEXE_H
#define HK_SELFEXE_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

/* Set in the environment of the re-executed husk, removed again at once;
 * only a guard against re-executing in a loop. */
#define HK_SELFEXE_ENV "_HUSK_SEALED_EXE"

/* The command line to re-execute with (main's argv). */
void hk_selfexe_save_argv(char **argv);

/* NULL when the exec stub gives `p` exactly what a plain execve() would,
 * with the same protection; else why not (a static string):
 *  - an SELinux label or AppArmor profile: the kernel applies it at the
 *    next execve, which would be the stub's;
 *  - CAP_SYS_PTRACE (in `p`, or `owner`, the container's own process when
 *    `p` is exec'd into it) without a user namespace: such a process may
 *    open /proc/PID/exe even of a process that is not dumpable;
 *  - no PID namespace of the container's own (`own_pidns`) and no user
 *    namespace: processes husk knows nothing of see the copy of husk;
 *  - a user other than root whose permitted set exceeds its ambient set:
 *    the stub would lose what a file capability of the program could
 *    regain under noNewPrivileges;
 *  - a seccomp profile that may refuse the stub's execveat or fcntl. */
const char *hk_selfexe_stub_unfit(const struct hk_process *p, const struct hk_process *owner,
                                  const struct hk_seccomp *seccomp, bool userns, bool own_pidns);

/* Before a command spawns a process in a container: when /proc/self/exe
 * is already a sealed copy, nothing.  Else, when `unfit` is NULL, load the
 * exec stub into a sealed memfd for hk_selfexe_execve; else re-execute
 * husk from a sealed copy of itself with the saved argv (on success this
 * does not return). */
int hk_selfexe_protect(const char *unfit, hk_error_t **err);

/* An execve(path, argv, envp) made ready, so that executing it calls
 * nothing but execveat(2) or execve(2): after a seccomp filter is loaded,
 * what the profile must allow stays what it was. */
struct hk_selfexe_exec {
  const char *path;
  char *const *argv, *const *envp;
  char **stub_argv; /* NULL: a plain execve */
  char how[16];
  int copy;    /* the report descriptor's copy, or -1 */
  int persona; /* the personality to go back to after a compact exec, or -1 */
};

/* Through the stub when hk_selfexe_protect loaded it.  If the program
 * cannot be executed, the stub reports it as `report` says ('-': nothing,
 * 's': a sync EXEC_ERRNO message on report_fd, 'l': `line` written to
 * report_fd with its last "%E" replaced by the error) and exits 127;
 * report_fd is passed as a copy numbered min_fd or above, made here, so
 * after anything that sets close-on-exec on all descriptors.
 *
 * `unfiltered`: no seccomp filter will be on at the exec.  The stub's own
 * exec then runs with address randomization off (ADDR_NO_RANDOMIZE, which
 * the stub clears again before the program's): its code lands in the same
 * GiB as its stack (just below mmap's base), and five page-table pages
 * serve both, not seven.  Those pages are
 * charged to the container's memory cgroup and freed only after an RCU
 * grace period, so they still count when the program starts.  A filter
 * might refuse personality(2), so with one the stub goes where the kernel
 * puts it. */
void hk_selfexe_prepare(struct hk_selfexe_exec *x, char report, int report_fd, const char *line,
                        int min_fd, const char *path, char *const argv[], char *const envp[],
                        bool unfiltered);

/* Returns only if the exec fails (errno); then frees what prepare made. */
void hk_selfexe_exec(struct hk_selfexe_exec *x);

#endif
