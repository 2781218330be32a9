/* The container's init; see init.h and the protocol in sync.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "fault.h"
#include "hooks.h"
#include "idmap.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "network.h"
#include "prefault.h"
#include "process.h"
#include "rootfs.h"
#include "scheduling.h"
#include "selfexe.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* Join the namespaces given by path (the user namespace first, the mount
 * namespace last, as it changes how later paths resolve), then create the
 * new ones.  PID and time namespaces apply to children only, so init forks
 * once more and the child becomes the real init. */
static int stage_namespaces(const struct hk_init_args *a, hk_error_t **err)
{
  static const int join_order[] = {CLONE_NEWUSER,   CLONE_NEWIPC, CLONE_NEWUTS,
                                   CLONE_NEWNET,    CLONE_NEWPID, CLONE_NEWCGROUP,
                                   CLONE_NEWTIME,   CLONE_NEWNS};
  const struct hk_ns_plan *pl = a->plan;
  int fds[HK_ARRAY_SIZE(join_order)];
  int r = 0;
  pid_t pid;

  for (size_t i = 0; i < HK_ARRAY_SIZE(join_order); i++) {
    const char *path = pl->join_path[hk_ns_index(join_order[i])];
    fds[i] = -1;
    if (!(pl->join_flags & join_order[i]))
      continue;
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0 && r == 0)
      r = hk_error_make(err, errno, "linux.namespaces: open %s namespace `%s`",
                        hk_ns_proc_name(join_order[i]), path);
  }
  for (size_t i = 0; r == 0 && i < HK_ARRAY_SIZE(join_order); i++) {
    if (fds[i] >= 0 && setns(fds[i], join_order[i]) < 0)
      r = hk_error_make(err, errno, "linux.namespaces: join %s namespace `%s`",
                        hk_ns_proc_name(join_order[i]), pl->join_path[hk_ns_index(join_order[i])]);
  }
  for (size_t i = 0; i < HK_ARRAY_SIZE(join_order); i++)
    if (fds[i] >= 0)
      close(fds[i]);
  if (r < 0)
    return r;
  if (pl->new_flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) < 0)
      return hk_error_make(err, errno, "unshare user namespace");
    if (hk_sync_send(a->sync_fd, HK_SYNC_USERMAP_REQUEST, err) < 0 ||
        hk_sync_expect(a->sync_fd, HK_SYNC_USERMAP_DONE, NULL, err) < 0)
      return -1;
  }
  if (unshare(pl->new_flags & ~CLONE_NEWUSER) < 0)
    return hk_error_make(err, errno, "unshare namespaces");
  if ((pl->new_flags & CLONE_NEWTIME) && a->spec->linux_.has_time_offsets &&
      hk_timens_write_offsets(&a->spec->linux_.time_offsets, err) < 0)
    return -1;
  /* INIT_PID tells the parent that our namespaces exist (it moves
   * netDevices into ours); when we must fork, the child sends it. */
  if (!((pl->new_flags | pl->join_flags) & (CLONE_NEWPID | CLONE_NEWTIME)))
    return hk_sync_send_pid(a->sync_fd, err);
  pid = fork();
  if (pid < 0)
    return hk_error_make(err, errno, "fork into the new PID namespace");
  if (pid > 0)
    _exit(0); /* the parent reaps us and adopts our child (subreaper) */
  return hk_sync_send_pid(a->sync_fd, err);
}

static int set_names(const struct hk_spec *spec, const struct hk_ns_plan *pl, hk_error_t **err)
{
  bool own_uts = (pl->new_flags | pl->join_flags) & CLONE_NEWUTS;

  if (spec->hostname && spec->hostname[0]) {
    if (!own_uts)
      return hk_error_plain(err, EINVAL, "hostname: needs a uts namespace");
    if (sethostname(spec->hostname, strlen(spec->hostname)) < 0)
      return hk_error_make(err, errno, "hostname: sethostname \"%s\"", spec->hostname);
  }
  if (spec->domainname && spec->domainname[0]) {
    if (!own_uts)
      return hk_error_plain(err, EINVAL, "domainname: needs a uts namespace");
    if (setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
      return hk_error_make(err, errno, "domainname: setdomainname \"%s\"", spec->domainname);
  }
  return 0;
}

static int write_sysctls(const struct hk_linux *lx, hk_error_t **err)
{
  for (size_t i = 0; i < lx->sysctl.len; i++) {
    const char *key = lx->sysctl.items[i].key, *val = lx->sysctl.items[i].value;
    _cleanup_free_ char *path = NULL;

    if (key[0] == '\0' || strstr(key, "..") || strchr(key, '/'))
      return hk_error_plain(err, EINVAL, "linux.sysctl[\"%s\"]: invalid name", key);
    path = hk_xasprintf("/proc/sys/%s", key);
    for (char *p = path + 10; *p; p++)
      if (*p == '.')
        *p = '/';
    if (hk_write_file(path, val, strlen(val), err) < 0)
      return hk_error_wrap(err, "linux.sysctl[\"%s\"]", key);
  }
  return 0;
}

/* Where init loads the seccomp filter.  seccomp(2) wants no_new_privs or
 * CAP_SYS_ADMIN, and the filter should cover as little of init's own work
 * as possible:
 *
 *  - without process.noNewPrivileges, init loses CAP_SYS_ADMIN when it
 *    takes the process's user and capabilities, so the filter goes on just
 *    before that (as in runc).  It then also covers the rest of init's
 *    work, which the profile must allow: setgroups, setresuid, capset,
 *    the sync messages, opening and writing the exec fifo, the
 *    startContainer hooks and execve.
 *  - with noNewPrivileges, it is the last step before execve, after the
 *    fifo and the startContainer hooks: only execve itself is filtered.
 *  - but when a rule uses SCMP_ACT_NOTIFY, the listener descriptor must
 *    reach the agent while `create` can still fail (the spec wants an
 *    error when sending it fails), so the filter goes on just before READY,
 *    after everything else init does in `create`.
 */
enum seccomp_point { SECCOMP_NONE, SECCOMP_BEFORE_USER, SECCOMP_BEFORE_READY, SECCOMP_BEFORE_EXEC };

static enum seccomp_point seccomp_point(const struct hk_init_args *a)
{
  if (a->seccomp == NULL)
    return SECCOMP_NONE;
  if (!a->spec->process.no_new_privileges)
    return SECCOMP_BEFORE_USER;
  return hk_seccomp_filter_notifies(a->seccomp) ? SECCOMP_BEFORE_READY : SECCOMP_BEFORE_EXEC;
}

struct init_ctx {
  const struct hk_init_args *a;
  int host_pid; /* our pid as the host sees it, for the hooks' state */
  int procfd;   /* the /proc husk trusts (not the container's) */
};

/* After the mounts, before entering the root: the parent runs prestart and
 * createRuntime hooks, then we run createContainer hooks, in the
 * container's namespaces but still with the host's paths. */
static int create_hooks(void *data, hk_error_t **err)
{
  const struct init_ctx *ic = data;
  const struct hk_init_args *a = ic->a;
  const struct hk_hooks *h = &a->spec->hooks;
  struct hk_state st;

  if (h->prestart.len || h->create_runtime.len) {
    if (hk_sync_send(a->sync_fd, HK_SYNC_CREATE_HOOKS, err) < 0 ||
        hk_sync_expect(a->sync_fd, HK_SYNC_CREATE_HOOKS_DONE, NULL, err) < 0)
      return -1;
  }
  hk_hooks_state_view(&st, a->spec, a->id, a->bundle, ic->host_pid, "creating");
  return hk_hooks_run(&h->create_container, "createContainer", &st, false, err);
}

/* Everything between CONFIGURED and READY. */
static int build_container(struct init_ctx *ic, char **exe, hk_error_t **err)
{
  const struct hk_init_args *a = ic->a;
  const struct hk_spec *spec = a->spec;
  const struct hk_process *p = &spec->process;
  struct hk_rootfs_opts ro = {
      .spec = spec,
      .rootfs = a->rootfs,
      .bundle = a->bundle,
      .no_pivot = a->no_pivot,
      .overlay = a->overlay,
      .idmap_fds = a->idmap_fds,
      .in_userns = (a->plan->new_flags | a->plan->join_flags) & CLONE_NEWUSER,
      .own_cgroupns = (a->plan->new_flags | a->plan->join_flags) & CLONE_NEWCGROUP,
      .before_enter = create_hooks,
      .data = ic,
  };

  if (ro.in_userns) {
    /* Never go on with a user that has no identity here (for a joined
     * namespace, the config could not be checked). */
    if (hk_userns_check_user(&p->user, err) < 0)
      return -1;
    /* Become root of the user namespace where the mapping allows. */
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
      return hk_error_make(err, errno, "setresgid(0) in the user namespace");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
      return hk_error_make(err, errno, "setresuid(0) in the user namespace");
  }
  if (setsid() < 0)
    return hk_error_make(err, errno, "setsid");
  if (!a->no_new_keyring && hk_lsm_set_keyring_label(ic->procfd, p, err) < 0)
    return -1;
  if (!a->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
      errno != ENOSYS && errno != EPERM && errno != EACCES)
    return hk_error_make(err, errno, "create a session keyring");
  if ((a->plan->new_flags & CLONE_NEWNET) && hk_net_loopback_up(err) < 0)
    return -1;
  if (hk_rootfs_setup(&ro, err) < 0)
    return -1;
  /* Before readonlyPaths make /proc/sys read-only, as runc orders it. */
  if (spec->has_linux && write_sysctls(&spec->linux_, err) < 0)
    return -1;
  if (hk_rootfs_finalize(&ro, err) < 0)
    return -1;
  if (p->terminal && (a->console_fd < 0 || hk_terminal_setup(a->console_fd, p, err) < 0))
    return a->console_fd < 0 ? hk_error_plain(err, EINVAL, "process.terminal: no console socket")
                             : -1;
  if (set_names(spec, a->plan, err) < 0)
    return -1;
  /* oomScoreAdj: written by the parent, see container.c */
  if (hk_rlimits_apply(p, err) < 0 ||
      hk_sched_apply(p, spec->has_linux ? &spec->linux_ : NULL, err) < 0)
    return -1;
  if (hk_process_chdir(p->cwd, err) < 0)
    return -1;
  umask(p->user.has_umask ? p->user.umask : 022);
  /* The LSM label takes effect at the next execve; set, as in runc, before
   * the filter and the change of user, it covers the startContainer hooks
   * too, and a profile the kernel refuses fails `create`. */
  if (hk_lsm_set_exec_label(ic->procfd, p, err) < 0)
    return -1;
  if (seccomp_point(a) == SECCOMP_BEFORE_USER && hk_seccomp_apply(a->seccomp, a->sync_fd, err) < 0)
    return -1;
  if (hk_user_apply(p, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return hk_error_make(err, errno, "process.noNewPrivileges");
  if (hk_exec_lookup(p, exe, err) < 0)
    return -1;
  return 0;
}

/* Block until `start` opens the fifo for reading, then tell it we go. */
static int wait_for_start(int procfd, int fifo_fd, hk_error_t **err)
{
  char path[48];
  _cleanup_close_ int fd = -1;

  snprintf(path, sizeof(path), "self/fd/%d", fifo_fd);
  do
    fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return hk_error_make(err, errno, "open the exec fifo");
  if (hk_write_all(fd, "0", 1) < 0)
    return hk_error_make(err, errno, "write the exec fifo");
  return 0;
}

static void die_with(int sync_fd, hk_error_t *e)
{
  if (sync_fd >= 0)
    hk_sync_send_error(sync_fd, e);
  _exit(1);
}

void hk_init_main(const struct hk_init_args *a)
{
  hk_error_t *err = NULL;
  _cleanup_free_ char *exe = NULL, *line = NULL;
  struct hk_selfexe_exec x;
  pid_t parent = getppid();
  struct init_ctx ic = {.a = a};
  struct hk_state st;
  int procfd = -1;
  sigset_t none;

  /* Until execve, no process of the container may ptrace us or open our
   * /proc/PID/fd: we hold descriptors of the host.  Without root, the
   * parent must open our uid_map first, which a non-dumpable process's
   * /proc files (then owned by root) forbid: later, before any mount. */
  bool late_undumpable = geteuid() != 0 && (a->plan->new_flags & CLONE_NEWUSER);
  if (!late_undumpable)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  HK_FAULT("init-start");
  if (a->close_fd >= 0)
    close(a->close_fd);
  /* Else the socket never reads EOF when husk dies after READY. */
  close(a->peer_fd);
  /* Until the state is saved, die with husk rather than outlive it. */
  if (!a->staged) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(1);
  }
  /* Husk's pages that init writes from here on stay husk's (prefault.h). */
  if (a->cgroup)
    hk_prefault_own_pages();
  if (a->cgroup_self) {
    if (hk_cgroup_enter(a->cgroup, 0, a->cgroup_v2_done, &err) < 0)
      die_with(a->sync_fd, err);
    if (hk_sync_send(a->sync_fd, HK_SYNC_CGROUP_JOINED, &err) < 0)
      _exit(1);
  } else if (a->cgroup && hk_sync_expect(a->sync_fd, HK_SYNC_CGROUP_JOINED, NULL, &err) < 0) {
    _exit(1);
  }
  /* The namespace's root is the cgroup we are in when it is made: only
   * now is that the container's. */
  if (a->cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
    hk_error_make(&err, errno, "unshare cgroup namespace");
    die_with(a->sync_fd, err);
  }
  if (a->staged && stage_namespaces(a, &err) < 0)
    die_with(a->sync_fd, err);
  if (!a->staged && (a->plan->new_flags & CLONE_NEWUSER) &&
      (hk_sync_send(a->sync_fd, HK_SYNC_USERMAP_REQUEST, &err) < 0 ||
       hk_sync_expect(a->sync_fd, HK_SYNC_USERMAP_DONE, NULL, &err) < 0))
    die_with(a->sync_fd, err);
  if (late_undumpable)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (hk_sync_expect(a->sync_fd, HK_SYNC_CONFIGURED, &ic.host_pid, &err) < 0)
    _exit(1);
  HK_FAULT("init-namespaces");
  if (a->staged) {
    /* We were reparented to husk (a subreaper) when our parent exited. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0) {
    hk_error_make(&err, errno, "open /proc");
    die_with(a->sync_fd, err);
  }
  ic.procfd = procfd;
  if (build_container(&ic, &exe, &err) < 0)
    die_with(a->sync_fd, err);
  /* Nothing of husk's may reach the container: every descriptor past the
   * preserved ones closes on exec. */
  if (syscall(SYS_close_range, 3 + a->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    hk_error_make(&err, errno, "close_range");
    die_with(a->sync_fd, err);
  }
  /* husk exits as soon as it has sent STATE_SAVED, so stop watching for
   * its death now; if it dies before sending it, the socket reads EOF. */
  prctl(PR_SET_PDEATHSIG, 0);
  if (seccomp_point(a) == SECCOMP_BEFORE_READY &&
      hk_seccomp_apply(a->seccomp, a->sync_fd, &err) < 0)
    die_with(a->sync_fd, err);
  HK_FAULT("init-ready");
  if (hk_sync_send(a->sync_fd, HK_SYNC_READY, &err) < 0 ||
      hk_sync_expect(a->sync_fd, HK_SYNC_STATE_SAVED, NULL, &err) < 0)
    _exit(1);
  if (a->console_fd >= 0)
    close(a->console_fd);
  HK_FAULT("init-created");
  if (a->fifo_fd < 0) {
    /* `run`: START on the socket instead of the fifo; EOF: husk died. */
    if (hk_sync_expect(a->sync_fd, HK_SYNC_START, NULL, &err) < 0)
      _exit(1);
    close(a->sync_fd);
  } else {
    close(a->sync_fd);
    if (wait_for_start(procfd, a->fifo_fd, &err) < 0) {
      hk_log(HK_LOG_ERROR, "%s", err->msg);
      _exit(1);
    }
    close(a->fifo_fd); /* so that state tells "running" even if the fifo stays */
  }
  close(procfd);
  HK_FAULT("init-started");
  /* startContainer hooks run in the container, after `start`. */
  hk_hooks_state_view(&st, a->spec, a->id, a->bundle, ic.host_pid, "created");
  if (hk_hooks_run(&a->spec->hooks.start_container, "startContainer", &st, false, &err) < 0) {
    hk_log(HK_LOG_ERROR, "%s", err->msg);
    _exit(1);
  }
  /* What hk_log would say if execve failed, ready for the stub. */
  line = hk_log_line(HK_LOG_ERROR, "exec `%s`: %%E", exe);
  hk_selfexe_prepare(&x, 'l', hk_log_fd(), line, 3 + a->preserve_fds, exe, a->spec->process.args.v,
                     a->spec->process.env.v ? a->spec->process.env.v : (char *[]){NULL},
                     a->seccomp == NULL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (seccomp_point(a) == SECCOMP_BEFORE_EXEC && hk_seccomp_apply(a->seccomp, -1, &err) < 0) {
    hk_log(HK_LOG_ERROR, "%s", err->msg);
    _exit(1);
  }
  hk_selfexe_exec(&x);
  hk_log(HK_LOG_ERROR, "exec `%s`: %s", exe, strerror(errno));
  _exit(127);
}
