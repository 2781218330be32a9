/* The container lifecycle: create, start, run, state, kill, delete.  The
 * child side of create lives in init.c; the protocol between them is in
 * sync.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "hooks.h"
#include "container.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "process.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

/* Everything `create` gathers before and while spawning init. */
struct launch {
  struct hk_spec *spec;
  char *bundle, *rootfs, *config_path;
  struct hk_ns_plan plan;
  struct hk_container *c;
  pid_t child; /* our direct child */
  pid_t init;  /* the container's init (the child, or its child) */
  bool reaped_child;
};

static void launch_clear(struct launch *l)
{
  hk_spec_free(l->spec);
  free(l->bundle);
  free(l->rootfs);
  free(l->config_path);
  hk_container_free(l->c);
}

static int check_spec(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  const struct hk_spec *s = l->spec;
  struct stat st;
  _cleanup_free_ char *root = NULL;

  if (!s->has_process)
    return hk_error_plain(err, EINVAL, "%s: process: missing", l->config_path);
  if (s->process.args.len == 0)
    return hk_error_plain(err, EINVAL, "%s: process.args: must not be empty", l->config_path);
  if (s->process.cwd && s->process.cwd[0] != '/')
    return hk_error_plain(err, EINVAL, "%s: process.cwd: must be an absolute path, got \"%s\"",
                         l->config_path, s->process.cwd);
  if (s->process.terminal && o->console_socket == NULL)
    return hk_error_plain(err, EINVAL,
                         "%s: process.terminal: a terminal needs --console-socket (or set "
                         "\"terminal\": false)",
                         l->config_path);
  if (!s->has_root || s->root.path == NULL || s->root.path[0] == '\0')
    return hk_error_plain(err, EINVAL, "%s: root.path: missing", l->config_path);
  if (s->process.has_oom_score_adj &&
      (s->process.oom_score_adj < -1000 || s->process.oom_score_adj > 1000))
    return hk_error_plain(err, EINVAL,
                          "%s: process.oomScoreAdj: must be between -1000 and 1000, got %d",
                          l->config_path, s->process.oom_score_adj);
  if (s->process.has_capabilities && hk_caps_validate(&s->process.capabilities, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (hk_lsm_check(&s->process, s->has_linux ? s->linux_.mount_label : NULL, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (hk_ns_plan_build(s->has_linux ? &s->linux_ : NULL, &l->plan, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (!((l->plan.new_flags | l->plan.join_flags) & CLONE_NEWNS))
    return hk_error_plain(err, EINVAL, "%s: linux.namespaces: a mount namespace is required",
                         l->config_path);
  if ((l->plan.new_flags & CLONE_NEWUSER) &&
      (s->linux_.uid_mappings_len == 0 || s->linux_.gid_mappings_len == 0))
    return hk_error_plain(err, EINVAL,
                         "%s: linux.uidMappings/gidMappings: required with a new user namespace",
                         l->config_path);
  root = s->root.path[0] == '/' ? hk_xstrdup(s->root.path)
                                : hk_xasprintf("%s/%s", l->bundle, s->root.path);
  l->rootfs = realpath(root, NULL);
  if (l->rootfs == NULL)
    return hk_error_make(err, errno, "%s: root.path: rootfs `%s`", l->config_path, root);
  if (stat(l->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
    return hk_error_make(err, ENOTDIR, "%s: root.path: rootfs `%s`", l->config_path, root);
  return 0;
}

static int load_bundle(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  const char *b = o->bundle ? o->bundle : ".";

  l->bundle = realpath(b, NULL);
  if (l->bundle == NULL)
    return hk_error_make(err, errno, "bundle `%s`", b);
  l->config_path = hk_xasprintf("%s/config.json", l->bundle);
  if (hk_spec_load(l->config_path, &l->spec, err) < 0)
    return -1;
  return check_spec(l, o, err);
}

static void copy_annotations(struct hk_kv_list *dst, const struct hk_kv_list *src)
{
  dst->len = src->len;
  dst->items = src->len ? hk_xmalloc0(src->len * sizeof(*dst->items)) : NULL;
  for (size_t i = 0; i < src->len; i++) {
    dst->items[i].key = hk_xstrdup(src->items[i].key);
    dst->items[i].value = hk_xstrdup(src->items[i].value);
  }
}

static char *owner_name(void)
{
  uid_t uid = geteuid();
  struct passwd *pw;
  if (uid == 0)
    return hk_xstrdup("root");
  pw = getpwuid(uid);
  return pw ? hk_xstrdup(pw->pw_name) : hk_xasprintf("#%u", uid);
}

static int save_state(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  struct hk_state *s = hk_xmalloc0(sizeof(*s));
  char now[48];

  l->c->state = s;
  s->oci_version = hk_xstrdup(l->spec->oci_version ? l->spec->oci_version : HK_OCI_VERSION);
  s->id = hk_xstrdup(o->id);
  s->status = hk_xstrdup("created");
  s->pid = l->init;
  s->bundle = hk_xstrdup(l->bundle);
  s->rootfs = hk_xstrdup(l->rootfs);
  hk_time_rfc3339(now, sizeof(now));
  s->created = hk_xstrdup(now);
  s->owner = owner_name();
  s->config_path = hk_xstrdup(l->config_path);
  s->systemd_cgroup = o->systemd_cgroup;
  copy_annotations(&s->annotations, &l->spec->annotations);
  if (hk_proc_start_time(l->init, &s->start_time, NULL) < 0)
    return hk_error_plain(err, ESRCH, "container init (pid %d) exited", (int)l->init);
  if (hk_container_save(l->c, err) < 0)
    return -1;
  if (o->pid_file && hk_write_pid_file(o->pid_file, l->init, err) < 0)
    return -1;
  return 0;
}

/* The parent's half of the conversation in sync.h. */
static int parent_sync(struct launch *l, const struct hk_create_opts *o, int fd, bool staged,
                       hk_error_t **err)
{
  const int fork_flags = CLONE_NEWPID | CLONE_NEWTIME;

  if (l->plan.new_flags & CLONE_NEWUSER) {
    if (hk_sync_expect(fd, HK_SYNC_USERMAP_REQUEST, NULL, err) < 0 ||
        hk_userns_write_maps(l->child, &l->spec->linux_, err) < 0 ||
        hk_sync_send(fd, HK_SYNC_USERMAP_DONE, err) < 0)
      return -1;
  }
  if (staged && ((l->plan.new_flags | l->plan.join_flags) & fork_flags)) {
    int status;
    if (hk_sync_expect(fd, HK_SYNC_INIT_PID, &l->init, err) < 0)
      return -1;
    if (waitpid(l->child, &status, 0) == l->child)
      l->reaped_child = true;
  }
  if (hk_oom_score_adj_apply(l->init, &l->spec->process, err) < 0 ||
      hk_sync_send_code(fd, HK_SYNC_CONFIGURED, l->init, err) < 0)
    return -1;
  if (l->spec->hooks.prestart.len || l->spec->hooks.create_runtime.len) {
    struct hk_state st;
    hk_hooks_state_view(&st, l->spec, o->id, l->bundle, l->init, "creating");
    if (hk_sync_expect(fd, HK_SYNC_CREATE_HOOKS, NULL, err) < 0 ||
        hk_hooks_run(&l->spec->hooks.prestart, "prestart", &st, false, err) < 0 ||
        hk_hooks_run(&l->spec->hooks.create_runtime, "createRuntime", &st, false, err) < 0 ||
        hk_sync_send(fd, HK_SYNC_CREATE_HOOKS_DONE, err) < 0)
      return -1;
  }
  if (hk_sync_expect(fd, HK_SYNC_READY, NULL, err) < 0)
    return -1;
  if (save_state(l, o, err) < 0)
    return -1;
  return hk_sync_send(fd, HK_SYNC_STATE_SAVED, err);
}

/* Init opens the fifo after it became the process's user: give the fifo to
 * that user (as seen from the host) rather than opening it to everyone. */
static int fifo_chown(struct launch *l, hk_error_t **err)
{
  const struct hk_user *u = &l->spec->process.user;
  const struct hk_linux *lx = &l->spec->linux_;
  uint32_t uid = u->uid, gid = u->gid;

  if ((l->plan.new_flags | l->plan.join_flags) & CLONE_NEWUSER) {
    if (lx->uid_mappings_len && !hk_userns_host_id(lx->uid_mappings, lx->uid_mappings_len, u->uid, &uid))
      return hk_error_plain(err, EINVAL, "%s: process.user.uid: %u is not mapped in linux.uidMappings",
                            l->config_path, u->uid);
    if (lx->gid_mappings_len && !hk_userns_host_id(lx->gid_mappings, lx->gid_mappings_len, u->gid, &gid))
      return hk_error_plain(err, EINVAL, "%s: process.user.gid: %u is not mapped in linux.gidMappings",
                            l->config_path, u->gid);
  }
  if ((uid || gid) && fchownat(l->c->dirfd, HK_EXEC_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return hk_error_make(err, errno, "chown exec fifo");
  return 0;
}

static int spawn_init(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  _cleanup_close_ int fifo = -1, console = -1;
  int sv[2], one = 1, r;
  bool staged = l->plan.join_flags || (l->plan.new_flags & CLONE_NEWTIME);
  struct hk_init_args a = {
      .spec = l->spec,
      .plan = &l->plan,
      .id = o->id,
      .rootfs = l->rootfs,
      .bundle = l->bundle,
      .close_fd = l->c->dirfd,
      .staged = staged,
      .no_pivot = o->no_pivot,
      .no_new_keyring = o->no_new_keyring,
      .preserve_fds = o->preserve_fds,
      .console_fd = -1,
  };

  if (mkfifoat(l->c->dirfd, HK_EXEC_FIFO, 0600) < 0)
    return hk_error_make(err, errno, "create exec fifo");
  if (fifo_chown(l, err) < 0)
    return -1;
  fifo = openat(l->c->dirfd, HK_EXEC_FIFO, O_PATH | O_CLOEXEC);
  if (fifo < 0)
    return hk_error_make(err, errno, "open exec fifo");
  if (l->spec->process.terminal &&
      (console = hk_console_socket_connect(o->console_socket, err)) < 0)
    return -1;
  a.console_fd = console;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return hk_error_make(err, errno, "socketpair");
  setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  if (staged)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  a.fifo_fd = fifo;
  a.sync_fd = sv[1];
  l->child = syscall(SYS_clone, (staged ? 0 : l->plan.new_flags) | SIGCHLD, NULL, NULL, NULL,
                     NULL);
  if (l->child < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return hk_error_make(err, e, "clone the container init");
  }
  if (l->child == 0) {
    close(sv[0]);
    hk_init_main(&a);
  }
  close(sv[1]);
  l->init = l->child;
  r = parent_sync(l, o, sv[0], staged, err);
  close(sv[0]);
  return r;
}

/* Undo a failed create: no process, state directory or fifo is left. */
static void abandon(struct launch *l)
{
  hk_error_t *e = NULL;

  if (l->init > 0)
    kill(l->init, SIGKILL);
  if (l->child > 0 && !l->reaped_child) {
    kill(l->child, SIGKILL);
    waitpid(l->child, NULL, 0);
  }
  if (l->init > 0 && l->init != l->child)
    waitpid(l->init, NULL, 0); /* adopted by us as subreaper */
  if (l->c && hk_container_destroy_dir(l->c, &e) < 0) {
    hk_warn("cleanup: %s", e->msg);
    hk_error_free(e);
  }
}

static int create(const struct hk_create_opts *o, struct launch *l, hk_error_t **err)
{
  if (hk_id_validate(o->id, err) < 0 || load_bundle(l, o, err) < 0)
    return -1;
  if (hk_container_claim(o->root, o->id, &l->c, err) < 0)
    return -1;
  if (spawn_init(l, o, err) < 0) {
    abandon(l);
    return -1;
  }
  return 0;
}

int hk_container_create(const struct hk_create_opts *o, hk_error_t **err)
{
  struct launch l = {0};
  int r = create(o, &l, err);
  launch_clear(&l);
  return r;
}

static int pidfd_open_checked(const struct hk_state *s, hk_error_t **err)
{
  uint64_t st;
  int fd = syscall(SYS_pidfd_open, s->pid, 0);

  if (fd < 0)
    return hk_error_make(err, errno, "container \"%s\": open its process %d", s->id, s->pid);
  /* The pidfd pins the process: if the start time still matches now, the
   * PID was not reused and the descriptor is the container's init. */
  if (hk_proc_start_time(s->pid, &st, NULL) < 0 || st != s->start_time) {
    close(fd);
    return hk_error_plain(err, ESRCH, "container \"%s\" is not running", s->id);
  }
  return fd;
}

/* poststart and poststop hooks come from the config the container was
 * created with.  Their failures are warnings, as the spec says. */
static void run_late_hooks(struct hk_container *c, const struct hk_spec *known, bool post_start)
{
  struct hk_spec *spec = NULL;
  hk_error_t *e = NULL;
  struct hk_state st;
  const struct hk_hook_list *list;

  if (known == NULL && c->state->config_path == NULL)
    return;
  if (known == NULL && hk_spec_load(c->state->config_path, &spec, &e) < 0) {
    hk_warn("container \"%s\": %s hooks not run: %s", c->id, post_start ? "poststart" : "poststop",
            e->msg);
    hk_error_free(e);
    return;
  }
  if (known == NULL)
    known = spec;
  list = post_start ? &known->hooks.poststart : &known->hooks.poststop;
  hk_hooks_state_view(&st, known, c->id, c->state->bundle, post_start ? c->state->pid : 0,
                      post_start ? "running" : "stopped");
  hk_hooks_run(list, post_start ? "poststart" : "poststop", &st, true, &e);
  hk_spec_free(spec);
}

/* `spec`: the config when the caller has it parsed (run), else NULL. */
static int start_loaded(struct hk_container *c, const struct hk_spec *spec, hk_error_t **err)
{
  _cleanup_close_ int fifo = -1, pidfd = -1;
  struct pollfd pfd[2];
  char b;

  if (strcmp(c->state->status, "created") != 0)
    return hk_error_plain(err, EINVAL, "cannot start container \"%s\": it is %s", c->id,
                         c->state->status);
  fifo = openat(c->dirfd, HK_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return hk_error_make(err, errno, "container \"%s\": open exec fifo", c->id);
  pidfd = pidfd_open_checked(c->state, err);
  if (pidfd < 0)
    return -1;
  pfd[0] = (struct pollfd){.fd = fifo, .events = POLLIN};
  pfd[1] = (struct pollfd){.fd = pidfd, .events = POLLIN};
  for (;;) {
    ssize_t n;
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return hk_error_make(err, errno, "poll");
    }
    n = read(fifo, &b, 1);
    if (n == 1)
      break;
    if (pfd[1].revents)
      return hk_error_plain(err, ESRCH, "cannot start container \"%s\": its init exited", c->id);
    if (n == 0 || (n < 0 && errno == EAGAIN)) {
      usleep(1000); /* writer opened but has not written yet (or HUP) */
      continue;
    }
    return hk_error_make(err, errno, "read exec fifo");
  }
  if (unlinkat(c->dirfd, HK_EXEC_FIFO, 0) < 0)
    return hk_error_make(err, errno, "remove exec fifo");
  run_late_hooks(c, spec, true);
  return 0;
}

int hk_container_start(const char *root, const char *id, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  if (hk_container_load(root, id, HK_LOCK_EXCLUSIVE, &c, err) < 0)
    return -1;
  return start_loaded(c, NULL, err);
}

int hk_container_state(const char *root, const char *id, struct hk_state **out,
                       hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  if (hk_container_load(root, id, HK_LOCK_SHARED, &c, err) < 0)
    return -1;
  *out = steal_pointer(&c->state);
  return 0;
}

/* Signal every process in the container's PID namespace.  A container
 * without its own PID namespace has only its init. */
static int kill_all(const struct hk_state *s, int signo, hk_error_t **err)
{
  char path[64], ns[64], other[64];
  ssize_t n;
  DIR *d;
  struct dirent *de;

  snprintf(path, sizeof(path), "/proc/%d/ns/pid", s->pid);
  n = readlink(path, ns, sizeof(ns) - 1);
  if (n < 0)
    return hk_error_make(err, errno, "container \"%s\": read `%s`", s->id, path);
  ns[n] = '\0';
  n = readlink("/proc/self/ns/pid", other, sizeof(other) - 1);
  if (n >= 0 && (other[n] = '\0', strcmp(ns, other) == 0)) {
    if (kill(s->pid, signo) < 0 && errno != ESRCH)
      return hk_error_make(err, errno, "kill %d", s->pid);
    return 0;
  }
  d = opendir("/proc");
  if (d == NULL)
    return hk_error_make(err, errno, "open /proc");
  while ((de = readdir(d))) {
    int pid = atoi(de->d_name);
    if (pid <= 0)
      continue;
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
    n = readlink(path, other, sizeof(other) - 1);
    if (n < 0)
      continue;
    other[n] = '\0';
    if (strcmp(ns, other) == 0)
      kill(pid, signo);
  }
  closedir(d);
  return 0;
}

static int kill_loaded(struct hk_container *c, int signo, bool all, hk_error_t **err)
{
  _cleanup_close_ int pidfd = -1;

  if (strcmp(c->state->status, "stopped") == 0)
    return hk_error_plain(err, ESRCH, "container \"%s\" is not running", c->id);
  pidfd = pidfd_open_checked(c->state, err);
  if (pidfd < 0)
    return -1;
  if (all && kill_all(c->state, signo, err) < 0)
    return -1;
  if (syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0 && errno != ESRCH)
    return hk_error_make(err, errno, "container \"%s\": send signal %d", c->id, signo);
  return 0;
}

int hk_container_kill(const char *root, const char *id, int signo, bool all, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  if (hk_container_load(root, id, HK_LOCK_SHARED, &c, err) < 0)
    return -1;
  return kill_loaded(c, signo, all, err);
}

/* Kill whatever is left of the container and wait until its init is gone. */
static int stop_all(struct hk_container *c, hk_error_t **err)
{
  _cleanup_close_ int pidfd = -1;
  hk_error_t *e = NULL;
  struct pollfd p;

  pidfd = pidfd_open_checked(c->state, &e);
  if (pidfd < 0) {
    hk_error_free(e); /* already gone */
    return 0;
  }
  if (kill_all(c->state, SIGKILL, err) < 0)
    return -1;
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  p = (struct pollfd){.fd = pidfd, .events = POLLIN};
  while (poll(&p, 1, 10000) < 0 && errno == EINTR)
    ;
  if (!(p.revents & POLLIN))
    return hk_error_plain(err, ETIMEDOUT, "container \"%s\": init did not die", c->id);
  return 0;
}

static int delete_container(const char *root, const char *id, bool force,
                            const struct hk_spec *spec, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  hk_error_t *e = NULL;

  if (hk_container_load(root, id, HK_LOCK_EXCLUSIVE, &c, &e) < 0) {
    if (!force || hk_id_validate(id, NULL) < 0) {
      *err = e;
      return -1;
    }
    /* --force: an unknown ID is fine; a broken state directory goes. */
    if (e->code != ENOENT || strstr(e->msg, "does not exist") == NULL) {
      _cleanup_free_ char *dir = hk_xasprintf("%s/%s", root, id);
      hk_warn("%s; removing it", e->msg);
      hk_error_free(e);
      return hk_rmtree_at(AT_FDCWD, dir, err);
    }
    hk_error_free(e);
    return 0;
  }
  if (strcmp(c->state->status, "running") == 0 && !force)
    return hk_error_plain(err, EBUSY,
                         "cannot delete container \"%s\" that is not stopped: running (use "
                         "--force)",
                         id);
  if (strcmp(c->state->status, "stopped") != 0 && stop_all(c, err) < 0)
    return -1;
  run_late_hooks(c, spec, false);
  return hk_container_destroy_dir(c, err);
}

int hk_container_delete(const char *root, const char *id, bool force, hk_error_t **err)
{
  return delete_container(root, id, force, NULL, err);
}

static void block_signals(sigset_t *old)
{
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGSEGV);
  sigdelset(&all, SIGBUS);
  sigdelset(&all, SIGILL);
  sigdelset(&all, SIGFPE);
  sigdelset(&all, SIGABRT);
  sigprocmask(SIG_BLOCK, &all, old);
}

/* Forward signals to init until it exits; reap every child we adopted. */
static int wait_forwarding(pid_t init, int *status)
{
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0)
      continue;
    if (sig != SIGCHLD) {
      kill(init, sig);
      continue;
    }
    for (;;) {
      int st;
      pid_t p = waitpid(-1, &st, WNOHANG);
      if (p <= 0)
        break;
      if (p != init)
        continue;
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return 0;
    }
  }
}

int hk_container_run(const struct hk_create_opts *o, int *status, hk_error_t **err)
{
  struct launch l = {0};
  sigset_t old;
  pid_t init;
  int r;

  if (!o->detach) {
    block_signals(&old);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  /* create leaves the container locked with its state and config in
   * memory: start it from there rather than reading them back. */
  r = create(o, &l, err);
  if (r == 0 && (r = start_loaded(l.c, l.spec, err)) < 0) {
    hk_error_t *e = NULL;
    hk_container_free(steal_pointer(&l.c));
    if (delete_container(o->root, o->id, true, l.spec, &e) < 0)
      hk_error_free(e);
  }
  if (r < 0 || o->detach) {
    if (!o->detach)
      sigprocmask(SIG_SETMASK, &old, NULL);
    *status = r < 0 ? 1 : 0;
    launch_clear(&l);
    return r;
  }
  init = l.init;
  hk_container_free(steal_pointer(&l.c)); /* drop the lock while it runs */
  wait_forwarding(init, status);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (!o->keep)
    r = delete_container(o->root, o->id, true, l.spec, err);
  launch_clear(&l);
  return r;
}
