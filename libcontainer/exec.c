/* `exec`; see exec.h.  The process tree:
 *
 *   husk exec (P) --fork--> joiner (C) --setns(pidfd, all)--> clone(CLONE_PARENT)
 *                                                               --> process (G)
 *
 * C exists only because joining a PID namespace affects children: G is born
 * inside the container's PID namespace, as P's child, so P can wait for it
 * and forward signals.  G's end of the socket closes on exec: EOF is the
 * success, an ERROR message the failure (also of execve itself). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroups.h"
#include "exec.h"
#include "hooks.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "prefault.h"
#include "process.h"
#include "scheduling.h"
#include "seccomp.h"
#include "selfexe.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"
#include "vm.h"

static void strv_set(struct hk_strv *sv, char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  for (size_t i = 0; i < sv->len; i++)
    free(sv->v[i]);
  free(sv->v);
  sv->v = hk_xmalloc0((n + 1) * sizeof(char *));
  for (size_t i = 0; i < n; i++)
    sv->v[i] = hk_xstrdup(v[i]);
  sv->len = n;
}

/* Set K=V in an environment, replacing an earlier K. */
static void env_set(struct hk_strv *env, const char *kv)
{
  size_t klen = strchr(kv, '=') - kv + 1;
  for (size_t i = 0; i < env->len; i++) {
    if (strncmp(env->v[i], kv, klen) == 0) {
      free(env->v[i]);
      env->v[i] = hk_xstrdup(kv);
      return;
    }
  }
  env->v = hk_xrealloc(env->v, (env->len + 2) * sizeof(char *));
  env->v[env->len++] = hk_xstrdup(kv);
  env->v[env->len] = NULL;
}

static void strv_add(struct hk_strv *sv, const char *s)
{
  sv->v = hk_xrealloc(sv->v, (sv->len + 2) * sizeof(char *));
  sv->v[sv->len++] = hk_xstrdup(s);
  sv->v[sv->len] = NULL;
}

/* The command line's changes to the process. */
static void apply_flags(const struct hk_exec_opts *o, struct hk_process *p)
{
  for (char **e = o->env; e && *e; e++)
    env_set(&p->env, *e);
  if (o->cwd) {
    free(p->cwd);
    p->cwd = hk_xstrdup(o->cwd);
  }
  if (o->has_user) {
    p->user.uid = o->uid;
    p->user.gid = o->has_gid ? o->gid : p->user.gid;
  }
  if (o->additional_gids_len) {
    free(p->user.additional_gids);
    p->user.additional_gids = hk_xmalloc0(o->additional_gids_len * sizeof(uint32_t));
    memcpy(p->user.additional_gids, o->additional_gids, o->additional_gids_len * sizeof(uint32_t));
    p->user.additional_gids_len = o->additional_gids_len;
  }
  for (char **c = o->caps; c && *c; c++) {
    p->has_capabilities = true;
    strv_add(&p->capabilities.bounding, *c);
    strv_add(&p->capabilities.effective, *c);
    strv_add(&p->capabilities.permitted, *c);
    strv_add(&p->capabilities.inheritable, *c);
  }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor) {
    free(p->apparmor_profile);
    p->apparmor_profile = hk_xstrdup(o->apparmor);
  }
  if (o->process_label) {
    free(p->selinux_label);
    p->selinux_label = hk_xstrdup(o->process_label);
  }
  if (o->tty)
    p->terminal = true;
}

static int read_process_file(const char *path, struct hk_process **out, hk_error_t **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  int r = strcmp(path, "-") == 0 ? hk_read_fd(0, "stdin", HK_SPEC_MAX_FILE_SIZE, &buf, &len, err)
                                 : hk_read_file(path, HK_SPEC_MAX_FILE_SIZE, &buf, &len, err);
  if (r < 0)
    return hk_error_wrap(err, "--process");
  if (hk_process_parse(buf, len, path, out, err) < 0)
    return -1;
  if ((*out)->args.len == 0)
    return hk_error_plain(err, EINVAL, "%s: args: must not be empty", path);
  if ((*out)->cwd && (*out)->cwd[0] != '/')
    return hk_error_plain(err, EINVAL, "%s: cwd: must be an absolute path, got \"%s\"", path,
                          (*out)->cwd);
  return 0;
}

/* The process: a process.json, or the container's own process with the
 * command line's arguments and without its terminal, as runc builds it;
 * then the flags' changes on top of either. */
static int build_process(const struct hk_exec_opts *o, struct hk_spec *spec,
                         struct hk_process **out, hk_error_t **err)
{
  struct hk_process *p;

  if (o->process_file) {
    if (read_process_file(o->process_file, out, err) < 0)
      return -1;
    apply_flags(o, *out);
    return 0;
  }
  if (o->args == NULL || o->args[0] == NULL)
    return hk_error_plain(err, EINVAL, "exec: a command is required (or --process FILE)");
  p = hk_xmalloc0(sizeof(*p));
  *p = spec->process; /* take it over: spec->process is cleared below */
  memset(&spec->process, 0, sizeof(spec->process));
  spec->has_process = false;
  *out = p;
  strv_set(&p->args, o->args);
  p->terminal = false;
  apply_flags(o, p);
  if (p->cwd && p->cwd[0] != '/')
    return hk_error_plain(err, EINVAL, "exec: --cwd: must be an absolute path, got \"%s\"", p->cwd);
  return 0;
}

static bool set_lsm_label(const struct hk_process *p)
{
  return (p->apparmor_profile && p->apparmor_profile[0]) ||
         (p->selinux_label && p->selinux_label[0]);
}

/* The CLONE_NEW* flags of the namespaces init has and we do not share. */
static int container_ns_flags(pid_t pid)
{
  static const int all[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
                            CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
  int flags = 0;

  for (size_t i = 0; i < HK_ARRAY_SIZE(all); i++) {
    char a[64], b[64];
    struct stat sa, sb;
    snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, hk_ns_proc_name(all[i]));
    snprintf(b, sizeof(b), "/proc/self/ns/%s", hk_ns_proc_name(all[i]));
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino)
      flags |= all[i];
  }
  return flags;
}

struct exec_child {
  const struct hk_process *p;
  const struct hk_cgroup *cg; /* the container's, or NULL */
  bool cg_v2_done;            /* C was cloned into its cgroup2 directory */
  int pidfd, ns_flags, sync_fd, console_fd, preserve_fds;
  int procfd; /* the host's /proc, for the LSM label */
  /* The container's filter applies to every exec'd process too.  Where G
   * loads it follows init (see seccomp_point in init.c): before taking the
   * user without noNewPrivileges, else the last step before execve. */
  const struct hk_seccomp_filter *seccomp;
  struct hk_state view; /* for a seccomp listener */
};

/* G: everything init does for its process, minus the filesystem. */
static void __attribute__((noreturn)) exec_process(const struct exec_child *x)
{
  hk_error_t *err = NULL;
  _cleanup_free_ char *exe = NULL;
  const struct hk_process *p = x->p;
  struct hk_selfexe_exec ex;
  sigset_t none;

  if (hk_sync_send_pid(x->sync_fd, &err) < 0)
    _exit(1);
  if (p->terminal && (setsid() < 0 || hk_terminal_setup(x->console_fd, p, &err) < 0))
    goto fail;
  if (hk_rlimits_apply(p, &err) < 0 || hk_sched_apply(p, NULL, &err) < 0)
    goto fail;
  if (p->has_exec_cpu_affinity && hk_sched_affinity(p->exec_cpu_affinity.final, &err) < 0)
    goto fail;
  if (hk_process_chdir(p->cwd, &err) < 0)
    goto fail;
  umask(p->user.has_umask ? p->user.umask : 022);
  if (x->seccomp && !p->no_new_privileges && hk_seccomp_apply(x->seccomp, x->sync_fd, &err) < 0)
    goto fail;
  if (hk_user_apply(p, &err) < 0)
    goto fail;
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    hk_error_make(&err, errno, "process.noNewPrivileges");
    goto fail;
  }
  if (hk_exec_lookup(p, &exe, &err) < 0)
    goto fail;
  if (hk_lsm_set_exec_label(x->procfd, p, &err) < 0)
    goto fail;
  if (syscall(SYS_close_range, 3 + x->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    hk_error_make(&err, errno, "close_range");
    goto fail;
  }
  hk_selfexe_prepare(&ex, 's', x->sync_fd, NULL, 3 + x->preserve_fds, exe, p->args.v,
                     p->env.v ? p->env.v : (char *[]){NULL}, x->seccomp == NULL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (x->seccomp && p->no_new_privileges && hk_seccomp_apply(x->seccomp, x->sync_fd, &err) < 0)
    goto fail;
  hk_selfexe_exec(&ex);
  hk_error_make(&err, errno, "exec `%s`", exe);
fail:
  hk_sync_send_error(x->sync_fd, err);
  _exit(127);
}

/* C: join, then give birth to G as P's child. */
static void __attribute__((noreturn)) exec_joiner(const struct exec_child *x)
{
  hk_error_t *err = NULL;
  pid_t g;

  /* Inherited by G: until its execve no process of the container may
   * ptrace it or open its /proc/PID/fd (see init.c). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Husk's pages that we and G write from here on stay husk's (prefault.h). */
  if (x->cg)
    hk_prefault_own_pages();
  /* Into the container's cgroup while our paths are still the host's;
   * G inherits it. */
  if ((x->p->has_exec_cpu_affinity &&
       hk_sched_affinity(x->p->exec_cpu_affinity.initial, &err) < 0) ||
      (x->cg && hk_cgroup_enter(x->cg, 0, x->cg_v2_done, &err) < 0)) {
    hk_sync_send_error(x->sync_fd, err);
    _exit(1);
  }
  if (setns(x->pidfd, x->ns_flags) < 0) {
    if (errno == ESRCH)
      hk_error_plain(&err, ESRCH, "the container is not running");
    else
      hk_error_make(&err, errno, "join the container's namespaces");
    hk_sync_send_error(x->sync_fd, err);
    _exit(1);
  }
  g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
  if (g == 0)
    exec_process(x);
  if (g < 0) {
    hk_error_make(&err, errno, "fork the process");
    hk_sync_send_error(x->sync_fd, err);
    _exit(1);
  }
  _exit(0);
}

/* Fork C, straight into the container's cgroup2 directory when it has one
 * (moving it there afterwards would cost an RCU grace period). */
static pid_t fork_joiner(struct exec_child *x)
{
  _cleanup_close_ int cgfd = x->cg ? hk_cgroup_v2_clone_fd(x->cg) : -1;
  pid_t c;

  if (cgfd >= 0) {
    struct clone_args ca = {
        .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd};
    x->cg_v2_done = true;
    c = syscall(SYS_clone3, &ca, sizeof(ca));
    if (c >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
      return c;
  }
  x->cg_v2_done = false;
  return fork();
}

/* Start the process: on success *g is running the command, and has its
 * --pid-file. */
static int spawn(const struct hk_exec_opts *o, struct exec_child *x, pid_t *g, hk_error_t **err)
{
  int sv[2], one = 1, r, cstatus;
  pid_t c;

  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return hk_error_make(err, errno, "socketpair");
  setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  x->sync_fd = sv[1];
  c = fork_joiner(x);
  if (c == 0) {
    close(sv[0]);
    exec_joiner(x);
  }
  close(sv[1]);
  if (c < 0) {
    close(sv[0]);
    /* clone3 into a cgroup that delete just removed. */
    if (x->cg_v2_done && (errno == ENOENT || errno == ENODEV))
      return hk_error_make(err, errno, "cannot join the container's cgroup");
    return hk_error_make(err, errno, "fork");
  }
  r = hk_sync_expect(sv[0], HK_SYNC_INIT_PID, g, err);
  waitpid(c, &cstatus, 0);
  if (r == 0 && hk_seccomp_filter_notifies(x->seccomp)) {
    _cleanup_close_ int notify_fd = -1;
    r = hk_sync_expect_fd(sv[0], HK_SYNC_SECCOMP_FD, &notify_fd, err);
    if (r == 0)
      r = hk_seccomp_send_to_listener(x->seccomp, notify_fd, *g, &x->view, err);
  }
  if (r == 0)
    r = hk_sync_wait_exec(sv[0], err);
  close(sv[0]);
  if (r < 0) {
    if (*g > 0) {
      kill(*g, SIGKILL); /* it may be running already, waiting for the agent */
      waitpid(*g, NULL, 0);
    }
    return hk_error_wrap(err, "exec in container \"%s\"", o->id);
  }
  if (o->pid_file && hk_write_pid_file(o->pid_file, *g, err) < 0) {
    /* Nobody could find it: it must not run on. */
    kill(*g, SIGKILL);
    waitpid(*g, NULL, 0);
    return -1;
  }
  return 0;
}

/* The terminal: connected to --console-socket, or a socket whose other end
 * (*relay) husk keeps to receive the master and relay it. */
static int open_console(const struct hk_exec_opts *o, int *console, int *relay, hk_error_t **err)
{
  int sv[2];

  if (o->console_socket) {
    *console = hk_console_socket_connect(o->console_socket, err);
    return *console < 0 ? -1 : 0;
  }
  if (o->detach)
    return hk_error_plain(err, EINVAL,
                          "exec: a terminal (-t) with --detach needs --console-socket");
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return hk_error_make(err, errno, "socketpair");
  *relay = sv[0];
  *console = sv[1];
  return 0;
}

/* Run the process; in the foreground, wait for it, relaying its terminal
 * when husk holds it. */
static int run_process(const struct hk_exec_opts *o, struct exec_child *x, int relay, int *status,
                       hk_error_t **err)
{
  struct hk_tty_relay *tty = NULL;
  sigset_t all, old;
  pid_t g = -1;
  int r;

  sigfillset(&all);
  if (!o->detach)
    sigprocmask(SIG_BLOCK, &all, &old);
  r = spawn(o, x, &g, err);
  if (r == 0 && relay >= 0)
    r = hk_tty_relay_open(relay, &tty, err);
  if (r == 0 && !o->detach)
    r = hk_foreground_wait(g, tty, status, err);
  hk_tty_relay_close(tty);
  if (r < 0 && g > 0 && !o->detach) {
    kill(g, SIGKILL); /* nobody would wait for it */
    waitpid(g, NULL, 0);
  }
  if (!o->detach)
    sigprocmask(SIG_SETMASK, &old, NULL);
  return r;
}

/* The stub (selfexe.h) for the new process, unless the container's own
 * process (`owner`, when the new one is not built from it) or the new one
 * rules it out.  May re-execute husk, so before anything is started. */
static int protect(const struct hk_process *p, const struct hk_process *owner,
                   const struct hk_spec *spec, int ns_flags, hk_error_t **err)
{
  const struct hk_seccomp *sc = spec->has_linux && spec->linux_.has_seccomp
                                    ? &spec->linux_.seccomp
                                    : NULL;
  return hk_selfexe_protect(hk_selfexe_stub_unfit(p, owner, sc, ns_flags & CLONE_NEWUSER,
                                                  ns_flags & CLONE_NEWPID),
                            err);
}

int hk_container_exec(const struct hk_exec_opts *o, int *status, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  _cleanup_close_ int pidfd = -1, console = -1, relay = -1, procfd = -1;
  struct hk_spec *spec = NULL;
  struct hk_process *p = NULL;
  struct exec_child x = {.console_fd = -1, .preserve_fds = o->preserve_fds, .procfd = -1};
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  _cleanup_seccomp_filter_ struct hk_seccomp_filter *filter = NULL;
  _cleanup_free_ char *bundle = NULL;
  uint64_t st;
  int r;

  *status = 0;
  if (hk_container_load(o->root, o->id, HK_LOCK_SHARED, &c, err) < 0)
    return -1;
  if (strcmp(c->state->status, "stopped") == 0)
    return hk_error_plain(err, EINVAL, "cannot exec in container \"%s\": it is not running",
                          o->id);
  /* Its recorded process is the shim on the host: joining its namespaces
   * would run the new process outside the VM. */
  if (hk_vm_is(c->state, c->dirfd))
    return hk_error_plain(err, ENOTSUP,
                          "cannot exec in container \"%s\": it runs in a VM, and exec into the "
                          "guest is not supported",
                          o->id);
  if (strcmp(c->state->status, "paused") == 0)
    return hk_error_plain(err, EINVAL, "cannot exec in container \"%s\": it is paused (resume it first)",
                          o->id);
  if (c->state->cgroup_paths.len && hk_cgroup_from_kv(&c->state->cgroup_paths, &cg, err) < 0)
    return -1;
  pidfd = syscall(SYS_pidfd_open, c->state->pid, 0);
  if (pidfd < 0 || hk_proc_start_time(c->state->pid, &st, NULL) < 0 ||
      st != c->state->start_time)
    return hk_error_plain(err, ESRCH, "cannot exec in container \"%s\": it is not running",
                          o->id);
  if (hk_spec_load(c->state->config_path, &spec, err) < 0)
    return -1;
  if (spec->has_linux && spec->linux_.has_seccomp &&
      hk_seccomp_compile(&spec->linux_.seccomp, &filter, err) < 0) {
    hk_spec_free(spec);
    return hk_error_wrap(err, "%s", c->state->config_path);
  }
  x.ns_flags = container_ns_flags(c->state->pid);
  /* A process read from stdin could not be read again after a re-exec. */
  r = o->process_file && strcmp(o->process_file, "-") == 0
          ? hk_selfexe_protect("the process comes from stdin", err)
          : 0;
  if (r == 0)
    r = build_process(o, spec, &p, err);
  if (r == 0)
    r = protect(p, o->process_file ? &spec->process : NULL, spec, x.ns_flags, err);
  if (r == 0)
    r = hk_sched_check(p, NULL, o->process_file ? o->process_file : "exec", err);
  if (r == 0 && hk_lsm_check(p, NULL, err) < 0)
    r = hk_error_wrap(err, "exec");
  if (r == 0 && set_lsm_label(p) &&
      (procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    r = hk_error_make(err, errno, "open /proc");
  if (r == 0 && p->terminal)
    r = open_console(o, &console, &relay, err);
  if (r == 0) {
    x.p = p;
    x.cg = cg;
    x.pidfd = pidfd;
    x.console_fd = console;
    x.procfd = procfd;
    x.seccomp = filter;
    bundle = hk_xstrdup(c->state->bundle);
    hk_hooks_state_view(&x.view, spec, o->id, bundle, c->state->pid, "running");
    hk_container_free(steal_pointer(&c)); /* do not hold the lock while it runs */
    r = run_process(o, &x, relay, status, err);
  }
  hk_process_free(p);
  hk_spec_free(spec);
  return r;
}
