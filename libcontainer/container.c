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
#include <linux/sched.h>

#include "caps.h"
#include "cgroups.h"
#include "cgroups-mark.h"
#include "hooks.h"
#include "container.h"
#include "fault.h"
#include "idmap.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "selfexe.h"
#include "network.h"
#include "overlay.h"
#include "scheduling.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"
#include "vm.h"

/* Everything `create` gathers before and while spawning init. */
struct launch {
  struct hk_spec *spec;
  char *bundle, *rootfs, *config_path;
  struct hk_ns_plan plan;
  struct hk_overlay_plan overlay;
  struct hk_container *c;
  struct hk_cgroup *cg;
  struct hk_seccomp_filter *seccomp; /* compiled before init exists */
  int netns_fd; /* held while creating, see hk_net_devices_attach */
  pid_t child; /* our direct child */
  pid_t init;  /* the container's init (the child, or its child) */
  int init_fifo_fd; /* the exec fifo's descriptor number in init */
  /* `run`: no exec fifo; init waits on the sync socket, kept here, for
   * START (sync.h).  -1 otherwise. */
  bool direct_start;
  int start_sock;
  bool reaped_child;
  /* Foreground run without --console-socket: a terminal is husk's to relay,
   * and its master comes back over tty_sock (else -1). */
  bool relay_tty;
  int tty_sock;
  bool joined_pending; /* init moves itself into its cgroup: CGROUP_JOINED to read */
};

static void launch_clear(struct launch *l)
{
  hk_spec_free(l->spec);
  free(l->bundle);
  free(l->rootfs);
  free(l->config_path);
  hk_seccomp_filter_free(l->seccomp);
  hk_overlay_plan_clear(&l->overlay);
  if (l->netns_fd >= 0)
    close(l->netns_fd);
  hk_container_free(l->c);
  hk_cgroup_free(l->cg);
  if (l->tty_sock >= 0)
    close(l->tty_sock);
  if (l->start_sock >= 0)
    close(l->start_sock);
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
  if (s->process.terminal && o->console_socket == NULL && !l->relay_tty)
    return hk_error_plain(err, EINVAL,
                         "%s: process.terminal: a terminal needs --console-socket, or `run` "
                         "in the foreground (or set \"terminal\": false)",
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
  if (s->has_linux && s->linux_.has_seccomp &&
      hk_seccomp_compile(&s->linux_.seccomp, &l->seccomp, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (hk_ns_plan_build(s->has_linux ? &s->linux_ : NULL, &l->plan, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (s->has_linux && hk_sysctl_check(&s->linux_.sysctl, l->plan.new_flags | l->plan.join_flags,
                                      l->config_path, err) < 0)
    return -1;
  if (hk_sched_check(&s->process, s->has_linux ? &s->linux_ : NULL, l->config_path, err) < 0)
    return -1;
  if (!((l->plan.new_flags | l->plan.join_flags) & CLONE_NEWNS))
    return hk_error_plain(err, EINVAL, "%s: linux.namespaces: a mount namespace is required",
                         l->config_path);
  if ((l->plan.new_flags & CLONE_NEWUSER) &&
      (s->linux_.uid_mappings_len == 0 || s->linux_.gid_mappings_len == 0))
    return hk_error_plain(err, EINVAL,
                         "%s: linux.uidMappings/gidMappings: required with a new user namespace",
                         l->config_path);
  if (hk_idmap_check_spec(s, &l->plan, l->config_path, err) < 0)
    return -1;
  root = s->root.path[0] == '/' ? hk_xstrdup(s->root.path)
                                : hk_xasprintf("%s/%s", l->bundle, s->root.path);
  l->rootfs = realpath(root, NULL);
  if (l->rootfs == NULL)
    return hk_error_make(err, errno, "%s: root.path: rootfs `%s`", l->config_path, root);
  if (stat(l->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
    return hk_error_make(err, ENOTDIR, "%s: root.path: rootfs `%s`", l->config_path, root);
  /* Else the mount targets and devices would be made in the host's own
   * directories, before pivot_root fails. */
  if (strcmp(l->rootfs, "/") == 0)
    return hk_error_plain(err, EINVAL, "%s: root.path: `%s` is the host's root directory",
                          l->config_path, root);
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
  s->init_fifo_fd = l->init_fifo_fd;
  s->bundle = hk_xstrdup(l->bundle);
  s->rootfs = hk_xstrdup(l->rootfs);
  hk_time_rfc3339(now, sizeof(now));
  s->created = hk_xstrdup(now);
  s->owner = owner_name();
  s->config_path = hk_xstrdup(l->config_path);
  s->no_late_hooks = l->spec->hooks.poststart.len == 0 && l->spec->hooks.poststop.len == 0;
  s->systemd_cgroup = o->systemd_cgroup;
  if (l->cg) {
    const char *p = l->spec->linux_.cgroups_path;
    s->cgroup_path = p ? hk_xstrdup(p) : hk_xstrdup(o->id);
    hk_cgroup_to_kv(l->cg, &s->cgroup_paths);
  }
  copy_annotations(&s->annotations, &l->spec->annotations);
  if (hk_proc_start_time(l->init, &s->start_time, NULL) < 0)
    return hk_error_plain(err, ESRCH, "container init (pid %d) exited", (int)l->init);
  if (hk_container_save(l->c, l->cg ? HK_CGROUP_RECORD : NULL, err) < 0)
    return -1;
  if (o->pid_file && hk_write_pid_file(o->pid_file, l->init, err) < 0)
    return -1;
  return 0;
}

static int fifo_chown(struct launch *l, bool joined, hk_error_t **err);

/* The parent's half of the conversation in sync.h. */
static int parent_sync(struct launch *l, const struct hk_create_opts *o, int fd, bool staged,
                       hk_error_t **err)
{
  const int fork_flags = CLONE_NEWPID | CLONE_NEWTIME;
  int r;

  /* A staged init joins its cgroup before anything it asks of us. */
  if (staged && l->joined_pending) {
    l->joined_pending = false;
    if (hk_sync_expect(fd, HK_SYNC_CGROUP_JOINED, NULL, err) < 0)
      return -1;
  }
  if (l->plan.new_flags & CLONE_NEWUSER) {
    if (hk_sync_expect(fd, HK_SYNC_USERMAP_REQUEST, NULL, err) < 0 ||
        hk_userns_write_maps(l->child, &l->spec->linux_, err) < 0 ||
        hk_sync_send(fd, HK_SYNC_USERMAP_DONE, err) < 0)
      return -1;
  }
  if (staged) {
    int status;
    if (hk_sync_expect(fd, HK_SYNC_INIT_PID, &l->init, err) < 0 || fifo_chown(l, true, err) < 0)
      return -1;
    if (((l->plan.new_flags | l->plan.join_flags) & fork_flags) &&
        waitpid(l->child, &status, 0) == l->child)
      l->reaped_child = true;
  }
  if (hk_net_devices_attach(&l->spec->linux_, l->c->dirfd, l->init,
                            l->plan.join_path[hk_ns_index(CLONE_NEWNET)], &l->netns_fd,
                            err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (hk_oom_score_adj_apply(l->init, &l->spec->process, err) < 0)
    return -1;
  /* Otherwise CONFIGURED goes first, so that init, once in its cgroup,
   * finds it waiting rather than waiting for us to be scheduled. */
  r = hk_sync_send_code(fd, HK_SYNC_CONFIGURED, l->init, err);
  if (l->joined_pending) {
    hk_error_t *e = NULL;
    l->joined_pending = false;
    /* Also after a failed send: an init that could not join said why. */
    if (hk_sync_expect(fd, HK_SYNC_CGROUP_JOINED, NULL, &e) < 0) {
      if (r < 0)
        hk_error_free(steal_pointer(err));
      *err = e;
      return -1;
    }
  }
  if (r < 0)
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
  if (hk_seccomp_filter_notifies(l->seccomp)) {
    _cleanup_close_ int notify_fd = -1;
    struct hk_state st;
    hk_hooks_state_view(&st, l->spec, o->id, l->bundle, l->init, "creating");
    if (hk_sync_expect_fd(fd, HK_SYNC_SECCOMP_FD, &notify_fd, err) < 0 ||
        hk_seccomp_send_to_listener(l->seccomp, notify_fd, l->init, &st, err) < 0)
      return -1;
  }
  if (hk_sync_expect(fd, HK_SYNC_READY, NULL, err) < 0)
    return -1;
  HK_FAULT("before-state");
  if (save_state(l, o, err) < 0)
    return -1;
  HK_FAULT("after-state");
  return hk_sync_send(fd, HK_SYNC_STATE_SAVED, err);
}

/* Init opens the fifo after it became the process's user: give the fifo to
 * that user (as seen from the host) rather than opening it to everyone.  In
 * a joined user namespace, the maps are that namespace's: known once init
 * has joined it (`joined`, from parent_sync). */
static int fifo_chown(struct launch *l, bool joined, hk_error_t **err)
{
  const struct hk_user *u = &l->spec->process.user;
  const struct hk_linux *lx = &l->spec->linux_;
  uint32_t uid = u->uid, gid = u->gid;

  if (l->direct_start || ((l->plan.join_flags & CLONE_NEWUSER) != 0) != joined)
    return 0;
  if (joined) {
    if (hk_userns_map_ids(l->init, &uid, &gid, err) < 0)
      return hk_error_wrap(err, "%s: linux.namespaces: user namespace `%s`", l->config_path,
                           l->plan.join_path[hk_ns_index(CLONE_NEWUSER)]);
  } else if (l->plan.new_flags & CLONE_NEWUSER) {
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

/* Clone init into its cgroup: into the cgroup2 directory at once with
 * clone3(CLONE_INTO_CGROUP), into the v1 hierarchies by init itself as its
 * first step (hk_cgroup_enter with pid 0, which spares the kernel's global
 * lock), or, when a new user namespace leaves init no rights on the host's
 * cgroupfs, by the parent.  Returns like fork(). */
static pid_t clone_init(struct launch *l, struct hk_init_args *a, uint64_t flags)
{
  _cleanup_close_ int cgfd = hk_cgroup_v2_clone_fd(l->cg);
  pid_t pid;

  a->cgroup = l->cg;
  a->cgroup_self = l->cg && !(flags & CLONE_NEWUSER);
  if (cgfd >= 0) {
    struct clone_args ca = {.flags = (flags & ~0xffULL) | CLONE_INTO_CGROUP,
                            .exit_signal = flags & 0xff,
                            .cgroup = (uint64_t)cgfd};
    a->cgroup_v2_done = true;
    pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
      close(cgfd);
      hk_init_main(a);
    }
    if (pid > 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
      return pid;
    hk_debug("clone3(CLONE_INTO_CGROUP): %s; moving init by hand", strerror(errno));
  }
  a->cgroup_v2_done = false;
  pid = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
  if (pid == 0)
    hk_init_main(a);
  return pid;
}

/* Socket activation, as runc: when husk itself was given sockets
 * (LISTEN_FDS=N with LISTEN_PID=our pid), fds 3..3+N-1 go to the container
 * too, before the --preserve-fds ones, and its process gets LISTEN_FDS=N and
 * LISTEN_PID=1. */
static int listen_fds(struct launch *l)
{
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  struct hk_strv *env = &l->spec->process.env;
  size_t n = 0;
  char *end;
  long v;

  if (fds == NULL || pid == NULL || strtol(pid, &end, 10) != getpid() || *end)
    return 0;
  v = strtol(fds, &end, 10);
  if (*end || v <= 0 || v > 4096)
    return 0;
  n = env->v ? env->len : 0;
  env->v = hk_xrealloc(env->v, (n + 3) * sizeof(char *));
  env->v[n++] = hk_xasprintf("LISTEN_FDS=%ld", v);
  env->v[n++] = hk_xstrdup("LISTEN_PID=1");
  env->v[n] = NULL;
  env->len = n;
  return (int)v;
}

static int spawn_init(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  _cleanup_close_ int fifo = -1, console = -1;
  _cleanup_idmap_mounts_ struct hk_idmap_mounts idmap = {0};
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
      .overlay = &l->overlay,
      .no_new_keyring = o->no_new_keyring,
      .preserve_fds = o->preserve_fds + listen_fds(l),
      .console_fd = -1,
      .seccomp = l->seccomp,
  };

  if (!l->direct_start) {
    if (mkfifoat(l->c->dirfd, HK_EXEC_FIFO, 0600) < 0)
      return hk_error_make(err, errno, "create exec fifo");
    if (fifo_chown(l, false, err) < 0)
      return -1;
    fifo = openat(l->c->dirfd, HK_EXEC_FIFO, O_PATH | O_CLOEXEC);
    if (fifo < 0)
      return hk_error_make(err, errno, "open exec fifo");
  }
  if (l->spec->process.terminal && o->console_socket == NULL) {
    int tsv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tsv) < 0)
      return hk_error_make(err, errno, "socketpair");
    l->tty_sock = tsv[0];
    console = tsv[1];
  } else if (l->spec->process.terminal &&
             (console = hk_console_socket_connect(o->console_socket, err)) < 0) {
    return -1;
  }
  a.console_fd = console;
  /* Idmapped mounts need our privileges over their file systems: made
   * here, inherited by init (see idmap.h). */
  if (hk_idmap_mounts_prepare(l->spec, l->bundle, &l->plan, &idmap, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  a.idmap_fds = idmap.fds;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return hk_error_make(err, errno, "socketpair");
  setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  if (staged)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  a.fifo_fd = l->init_fifo_fd = fifo;
  a.sync_fd = sv[1];
  a.peer_fd = sv[0];
  a.cgroupns = !staged && (l->plan.new_flags & CLONE_NEWCGROUP);
  l->child = clone_init(l, &a, (staged ? 0 : l->plan.new_flags & ~CLONE_NEWCGROUP) | SIGCHLD);
  hk_idmap_mounts_clear(&idmap); /* init has its own copies */
  if (l->child < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return hk_error_make(err, e, "clone the container init");
  }
  close(sv[1]);
  l->init = l->child;
  HK_FAULT("after-clone");
  if (l->cg && !a.cgroup_self &&
      (hk_cgroup_enter(l->cg, l->child, a.cgroup_v2_done, err) < 0 ||
       hk_sync_send(sv[0], HK_SYNC_CGROUP_JOINED, err) < 0)) {
    close(sv[0]);
    return -1;
  }
  l->joined_pending = a.cgroup_self;
  r = parent_sync(l, o, sv[0], staged, err);
  if (r == 0 && l->direct_start)
    l->start_sock = sv[0];
  else
    close(sv[0]);
  return r;
}

/* netDevices go back to the host while the container's network namespace
 * still exists; failures only warn, so that delete always completes. */
static void return_net_devices(int dirfd, int netns_fd, pid_t pid, uint64_t start_time)
{
  hk_error_t *e = NULL;
  if (hk_net_devices_return(dirfd, netns_fd, pid, start_time, &e) < 0) {
    hk_warn("%s", e->msg);
    hk_error_free(e);
  }
}

/* The overlay's workdir on the host, once the container is gone. */
static void remove_overlay_dirs(int dirfd, bool failed_create)
{
  hk_error_t *e = NULL;
  if (hk_overlay_cleanup(dirfd, failed_create, &e) < 0) {
    hk_warn("overlay cleanup: %s", e->msg);
    hk_error_free(e);
  }
}

/* Undo a failed create: no process, state directory or fifo is left. */
static void abandon(struct launch *l)
{
  hk_error_t *e = NULL;

  if (l->c)
    return_net_devices(l->c->dirfd, l->netns_fd, l->init, 0);
  if (l->init > 0)
    kill(l->init, SIGKILL);
  if (l->child > 0 && !l->reaped_child) {
    kill(l->child, SIGKILL);
    waitpid(l->child, NULL, 0);
  }
  if (l->init > 0 && l->init != l->child)
    waitpid(l->init, NULL, 0); /* adopted by us as subreaper */
  if (l->cg && (hk_cgroup_signal_all(l->cg, SIGKILL, &e) < 0 || hk_cgroup_destroy(l->cg, &e) < 0)) {
    hk_warn("cleanup: %s", e->msg);
    hk_error_free(steal_pointer(&e));
  }
  if (l->c) {
    remove_overlay_dirs(l->c->dirfd, true);
    hk_vm_cleanup(l->c->dirfd);
  }
  if (l->c && hk_container_destroy_dir(l->c, &e) < 0) {
    hk_warn("cleanup: %s", e->msg);
    hk_error_free(e);
  }
}

static void remove_recorded_cgroup(int dirfd, const char *root, const char *id)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = hk_cgroup_recorded(dirfd, root, id);
  hk_error_t *e = NULL;

  if (cg && (hk_cgroup_signal_all(cg, SIGKILL, &e) < 0 || hk_cgroup_destroy(cg, &e) < 0)) {
    hk_warn("cleanup: %s", e->msg);
    hk_error_free(e);
  }
}

/* A cgroup still busy with an earlier container of this ID and root
 * whose state was removed (cgroups-mark.h): say how to get rid of it. */
static int busy_with_lost(const struct hk_create_opts *o, hk_error_t *e, hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *old = NULL;
  int r;

  if (e->code != EBUSY || !hk_cgroup_find_marked(o->root, o->id, &old)) {
    *err = e;
    return -1;
  }
  r = hk_error_plain(err, EBUSY,
                     "%s: an earlier container \"%s\" of this state root lost its state "
                     "directory and still runs there; `husk delete --force %s` kills and "
                     "removes it",
                     e->msg, o->id, o->id);
  hk_error_free(e);
  return r;
}

/* The container's cgroup, with its resources, before any of its code. */
static int make_cgroup(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  const struct hk_linux *lx = &l->spec->linux_;
  const struct hk_resources *res = lx->has_resources ? &lx->resources : NULL;
  struct hk_cgroup_request req = {
      .id = o->id,
      .cgroups_path = lx->cgroups_path,
      .systemd = o->systemd_cgroup,
      .config_name = l->config_path,
  };
  hk_error_t *e = NULL;

  if (o->no_cgroup) {
    hk_debug("--cgroup-manager disabled: no cgroup, linux.resources ignored");
    return 0;
  }
  if (hk_cgroup_create(&req, res, &l->cg, &e) < 0) {
    /* Without root, cgroupfs is usually not ours: go on without a cgroup
     * unless the config asks for limits (as runc does when rootless). */
    if (geteuid() != 0 && res == NULL && (e->code == EACCES || e->code == EPERM ||
                                          e->code == EROFS)) {
      hk_debug("no cgroup: %s", e->msg);
      hk_error_free(e);
      return 0;
    }
    return busy_with_lost(o, e, err);
  }
  if (hk_cgroup_record(l->c->dirfd, l->cg, err) < 0)
    return -1;
  hk_cgroup_mark(l->cg, o->root, o->id);
  HK_FAULT("after-cgroup");
  return hk_cgroup_apply(l->cg, res, lx->devices, lx->devices_len, false, l->config_path, err);
}

/* The VM handler (vm.h): its shim stands for init; no cgroup on the host. */
static int create_vm(struct launch *l, const struct hk_create_opts *o, hk_error_t **err)
{
  struct hk_vm_launch v = {.id = o->id, .bundle = l->bundle, .rootfs = l->rootfs,
                           .config_path = l->config_path, .spec = l->spec,
                           .console_socket = o->console_socket, .console_fd = -1};
  int sv[2] = {-1, -1};

  l->direct_start = false; /* the shim waits on the exec fifo */
  if (hk_container_claim(o->root, o->id, &l->c, err) < 0)
    return -1;
  hk_vm_mark(&l->spec->annotations); /* in state.json */
  v.dirfd = l->c->dirfd;
  if (l->spec->process.terminal && l->relay_tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      abandon(l);
      return hk_error_make(err, errno, "socketpair");
    }
    v.console_fd = sv[1];
    l->tty_sock = sv[0];
  }
  l->init = hk_vm_spawn(&v, err);
  l->init_fifo_fd = HK_VM_SHIM_FIFO_FD;
  if (sv[1] >= 0)
    close(sv[1]);
  if (l->init < 0 || save_state(l, o, err) < 0) {
    l->child = l->init > 0 ? l->init : 0;
    abandon(l);
    return -1;
  }
  return 0;
}

/* Whether init may exec through the stub (selfexe.h).  In a PID namespace
 * of its own, nothing else of the container runs before it execs. */
static const char *stub_unfit(const struct launch *l, int ns)
{
  const struct hk_linux *lx = &l->spec->linux_;
  return hk_selfexe_stub_unfit(&l->spec->process, NULL, lx->has_seccomp ? &lx->seccomp : NULL,
                               ns & CLONE_NEWUSER, l->plan.new_flags & CLONE_NEWPID);
}

static int create(const struct hk_create_opts *o, struct launch *l, hk_error_t **err)
{
  bool vm;
  int ns;

  l->netns_fd = -1;
  if (hk_id_validate(o->id, err) < 0 || load_bundle(l, o, err) < 0)
    return -1;
  if (hk_vm_selected(l->spec, l->config_path, &vm, err) < 0)
    return -1;
  if (vm)
    return create_vm(l, o, err);
  ns = l->plan.new_flags | l->plan.join_flags;
  if (hk_selfexe_protect(stub_unfit(l, ns), err) < 0)
    return -1;
  if (hk_overlay_plan_build(&l->overlay, l->spec, l->bundle, l->rootfs, o->overlay, o->layers,
                            o->id, l->plan.new_flags & CLONE_NEWNS, ns & CLONE_NEWUSER, err) < 0)
    return -1;
  if (hk_net_devices_check(&l->spec->linux_, &l->plan, err) < 0)
    return hk_error_wrap(err, "%s", l->config_path);
  if (hk_container_claim(o->root, o->id, &l->c, err) < 0)
    return -1;
  HK_FAULT("before-cgroup");
  if (make_cgroup(l, o, err) < 0 ||
      hk_overlay_prepare(&l->overlay, l->c->dirfd, o->root, o->id, err) < 0 ||
      spawn_init(l, o, err) < 0) {
    abandon(l);
    return -1;
  }
  /* From now on the namespace lives as long as the container does. */
  if (l->netns_fd >= 0)
    close(steal_fd(&l->netns_fd));
  return 0;
}

int hk_container_create(const struct hk_create_opts *o, hk_error_t **err)
{
  struct launch l = {.tty_sock = -1, .start_sock = -1};
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

  /* Reading the config back is half of what start and delete cost. */
  if (known == NULL && (c->state->config_path == NULL || c->state->no_late_hooks))
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
  /* Pin init before opening the fifo: that open lets it exec, and a
   * short-lived process may be gone (and reaped) by the time we looked. */
  pidfd = pidfd_open_checked(c->state, err);
  if (pidfd < 0)
    return -1;
  fifo = openat(c->dirfd, HK_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return hk_error_make(err, errno, "container \"%s\": open exec fifo", c->id);
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
  HK_FAULT("start-after-fifo");
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

/* The container's cgroup as recorded at create, or NULL (none, or *err). */
static int load_cgroup(const struct hk_container *c, struct hk_cgroup **cg, hk_error_t **err)
{
  *cg = NULL;
  if (c->state->cgroup_paths.len == 0)
    return 0;
  if (hk_cgroup_from_kv(&c->state->cgroup_paths, cg, err) < 0)
    return hk_error_wrap(err, "container \"%s\"", c->id);
  return 0;
}

/* Every process of the container: through its cgroup when it has one, else
 * through its PID namespace. */
static int signal_all(const struct hk_container *c, int signo, hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;

  if (load_cgroup(c, &cg, err) < 0)
    return -1;
  if (cg)
    return hk_cgroup_signal_all(cg, signo, err);
  return kill_all(c->state, signo, err);
}

static int kill_loaded(struct hk_container *c, int signo, bool all, hk_error_t **err)
{
  _cleanup_close_ int pidfd = -1;

  if (strcmp(c->state->status, "stopped") == 0)
    return hk_error_plain(err, ESRCH, "container \"%s\" is not running", c->id);
  pidfd = pidfd_open_checked(c->state, err);
  if (pidfd < 0)
    return -1;
  if (all && signal_all(c, signo, err) < 0)
    return -1;
  if (syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0 && errno != ESRCH)
    return hk_error_make(err, errno, "container \"%s\": send signal %d", c->id, signo);
  return 0;
}

int hk_container_kill(const char *root, const char *id, int signo, bool all, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  /* --all freezes the cgroup for a moment: readers must not see that as
   * "paused", nor pause/resume interleave with it. */
  if (hk_container_load(root, id, all ? HK_LOCK_EXCLUSIVE : HK_LOCK_SHARED, &c, err) < 0)
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
  if (signal_all(c, SIGKILL, err) < 0)
    return -1;
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  p = (struct pollfd){.fd = pidfd, .events = POLLIN};
  while (poll(&p, 1, 10000) < 0 && errno == EINTR)
    ;
  if (!(p.revents & POLLIN))
    return hk_error_plain(err, ETIMEDOUT, "container \"%s\": init did not die", c->id);
  return 0;
}

/* What a stopped container leaves in its cgroup (processes of a container
 * without its own PID namespace outlive init) is killed, then it goes. */
static int remove_cgroup(const struct hk_container *c, hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;

  if (load_cgroup(c, &cg, err) < 0)
    return -1;
  if (cg == NULL)
    return 0;
  if (hk_cgroup_signal_all(cg, SIGKILL, err) < 0 || hk_cgroup_destroy(cg, err) < 0)
    return hk_error_wrap(err, "delete container \"%s\"", c->id);
  return 0;
}

/* --force for an ID without a state directory: a container whose state
 * was removed under it (the whole state root wiped, say) is found by the
 * mark on its cgroup (cgroups-mark.h), its processes killed and the cgroup
 * removed.  Once one is found, the ID is claimed and the mark looked for
 * again, so that no create of the same ID can start in between and be
 * taken for the lost one.  Nothing found: nothing touched. */
static int delete_orphan(const char *root, const char *id, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *claim = NULL;
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  hk_error_t *e = NULL;
  int r = 0;

  if (!hk_cgroup_find_marked(root, id, &cg))
    return 0;
  hk_cgroup_free(steal_pointer(&cg));
  if (hk_container_claim(root, id, &claim, &e) < 0) {
    bool racing = e->code == EEXIST;
    /* A root we cannot write (full, read-only) stops creates too. */
    hk_debug("delete --force %s: %s", id, e->msg);
    hk_error_free(e);
    if (racing)
      return 0; /* a create of this ID is under way: not the lost one */
  }
  if (hk_cgroup_find_marked(root, id, &cg)) {
    hk_warn("container \"%s\" has no state directory; killing the processes of its cgroup `%s` "
            "and removing it",
            id, hk_cgroup_some_dir(cg));
    if (hk_cgroup_signal_all(cg, SIGKILL, err) < 0 || hk_cgroup_destroy(cg, err) < 0)
      r = hk_error_wrap(err, "delete container \"%s\"", id);
  }
  if (claim && hk_container_destroy_dir(claim, r < 0 ? NULL : err) < 0)
    return -1;
  return r;
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
      _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      hk_warn("%s; removing it", e->msg);
      hk_error_free(e);
      if (dirfd >= 0) { /* a create that crashed: its init died with it */
        return_net_devices(dirfd, -1, 0, 0);
        remove_recorded_cgroup(dirfd, root, id);
        remove_overlay_dirs(dirfd, true);
        hk_vm_cleanup(dirfd);
      }
      return hk_rmtree_at(AT_FDCWD, dir, err);
    }
    hk_error_free(e);
    return delete_orphan(root, id, err);
  }
  if ((strcmp(c->state->status, "running") == 0 || strcmp(c->state->status, "paused") == 0) &&
      !force)
    return hk_error_plain(err, EBUSY,
                         "cannot delete container \"%s\" that is not stopped: %s (use "
                         "--force)",
                         id, c->state->status);
  if (strcmp(c->state->status, "stopped") != 0) {
    return_net_devices(c->dirfd, -1, c->state->pid, c->state->start_time);
    if (stop_all(c, err) < 0)
      return -1;
    HK_FAULT("delete-after-stop");
  } else {
    return_net_devices(c->dirfd, -1, 0, 0);
  }
  if (remove_cgroup(c, err) < 0)
    return -1;
  HK_FAULT("delete-after-cgroup");
  run_late_hooks(c, spec, false);
  remove_overlay_dirs(c->dirfd, false);
  hk_vm_cleanup(c->dirfd);
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

/* `run`: the terminal to relay (when husk relays it), then start.  Unless
 * the VM handler's shim stands for init, there is no exec fifo: init waits
 * for START on its sync socket, so a run makes no fifo in the state
 * directory and no `start` handshake through it. */
static int start_run(struct launch *l, struct hk_tty_relay **tty, hk_error_t **err)
{
  if (l->tty_sock >= 0 && hk_tty_relay_open(l->tty_sock, tty, err) < 0)
    return -1;
  if (!l->direct_start)
    return start_loaded(l->c, l->spec, err);
  HK_FAULT("run-before-start");
  if (hk_sync_send(l->start_sock, HK_SYNC_START, NULL) < 0)
    return hk_error_plain(err, ESRCH, "cannot start container \"%s\": its init exited", l->c->id);
  close(steal_fd(&l->start_sock));
  run_late_hooks(l->c, l->spec, true);
  return 0;
}

int hk_container_run(const struct hk_create_opts *o, int *status, hk_error_t **err)
{
  struct launch l = {.tty_sock = -1, .start_sock = -1, .direct_start = true,
                     .relay_tty = !o->detach && o->console_socket == NULL};
  struct hk_tty_relay *tty = NULL;
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
  if (r == 0 && (r = start_run(&l, &tty, err)) < 0) {
    hk_error_t *e = NULL;
    hk_tty_relay_close(steal_pointer(&tty));
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
  r = hk_foreground_wait(init, tty, status, err);
  hk_tty_relay_close(tty);
  if (r < 0)
    kill(init, SIGKILL); /* nobody would wait for it */
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (!o->keep) {
    hk_error_t *e = NULL;
    if (delete_container(o->root, o->id, true, l.spec, &e) < 0) {
      if (r == 0)
        *err = steal_pointer(&e);
      hk_error_free(e);
      r = -1;
    }
  }
  launch_clear(&l);
  return r;
}

int hk_container_cgroup(const char *root, const char *id, struct hk_cgroup **cg,
                        struct hk_state **state, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;

  *cg = NULL;
  if (hk_container_load(root, id, HK_LOCK_SHARED, &c, err) < 0 || load_cgroup(c, cg, err) < 0)
    return -1;
  if (*cg == NULL)
    return hk_error_plain(err, ENOENT, "container \"%s\" has no cgroup", id);
  if (state)
    *state = steal_pointer(&c->state);
  return 0;
}

static int freeze(const char *root, const char *id, bool pause, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  const char *want = pause ? "running" : "paused";

  if (hk_container_load(root, id, HK_LOCK_EXCLUSIVE, &c, err) < 0 || load_cgroup(c, &cg, err) < 0)
    return -1;
  if (strcmp(c->state->status, want) != 0 && !(pause && strcmp(c->state->status, "created") == 0))
    return hk_error_plain(err, EINVAL, "cannot %s container \"%s\": it is %s",
                         pause ? "pause" : "resume", id, c->state->status);
  if (cg == NULL && hk_vm_is(c->state, c->dirfd))
    return hk_vm_freeze(c->dirfd, id, pause, err);
  if (cg == NULL)
    return hk_error_plain(err, ENOTSUP, "cannot %s container \"%s\": it has no cgroup",
                         pause ? "pause" : "resume", id);
  return hk_cgroup_freeze(cg, pause, err);
}

int hk_container_pause(const char *root, const char *id, hk_error_t **err)
{
  return freeze(root, id, true, err);
}

int hk_container_resume(const char *root, const char *id, hk_error_t **err)
{
  return freeze(root, id, false, err);
}

int hk_container_update(const char *root, const char *id, const struct hk_resources *res,
                        hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  struct hk_spec *spec = NULL;
  int r;

  if (hk_container_load(root, id, HK_LOCK_EXCLUSIVE, &c, err) < 0 || load_cgroup(c, &cg, err) < 0)
    return -1;
  if (strcmp(c->state->status, "stopped") == 0)
    return hk_error_plain(err, EINVAL, "cannot update container \"%s\": it is stopped", id);
  if (cg == NULL)
    return hk_error_plain(err, ENOTSUP, "cannot update container \"%s\": it has no cgroup", id);
  if (c->state->config_path && hk_spec_load(c->state->config_path, &spec, err) < 0)
    return -1;
  r = hk_cgroup_apply(cg, res, spec ? spec->linux_.devices : NULL,
                      spec ? spec->linux_.devices_len : 0, true, "update", err);
  hk_spec_free(spec);
  return r;
}
