/* PID 1 of the micro-VM guest (see vm.h): mounts what a Linux system needs,
 * loads the virtio modules from the initramfs, receives the bundle's config
 * over the control port, mounts the shared rootfs where the host has it,
 * and runs this same husk binary (`husk create`, `husk start`) to set the
 * container up from config.json: namespaces, mounts, cgroup v2 limits,
 * user, capabilities, env and cwd all come from husk's own library.  It
 * then reaps every orphan and reports the container's exit status.
 *
 * Nothing here trusts the host more than the guest kernel does: the guest
 * is the boundary.  Failures are printed on the serial console (the host
 * keeps it as console.log in the state directory) and end in a power-off. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "terminal.h"
#include "utils.h"
#include "vm.h"

#define GUEST_HUSK         "/bin/husk"
#define GUEST_ROOT         "/run/husk"
#define GUEST_PIDFILE      "/run/husk-vm.pid"
#define GUEST_CONSOLE_SOCK "/run/husk-vm-console.sock"

struct guest {
  int ctl, out, err, in, tty; /* ports, -1 when absent */
  char *id, *bundle, *rootfs, *config, *share;
  size_t config_len;
  bool terminal;
  int pty;   /* the container's terminal master, relayed to the tty port */
  pid_t pid; /* the container's process */
};

static void need_9p(struct guest *g);
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
  va_list ap;
  int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return;
  va_start(ap, fmt);
  dprintf(fd, "husk-vm-init: ");
  vdprintf(fd, fmt, ap);
  dprintf(fd, "\n");
  va_end(ap);
  close(fd);
}

static __attribute__((noreturn)) void power_off(void)
{
  sync();
  reboot(RB_AUTOBOOT); /* QEMU runs with -no-reboot: it exits */
  reboot(RB_POWER_OFF);
  for (;;)
    pause();
}

static __attribute__((noreturn)) void fail(struct guest *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static __attribute__((noreturn)) void fail(struct guest *g, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  say("%s", msg);
  if (g->ctl >= 0)
    hk_vm_msg_send(g->ctl, "error", msg, strlen(msg));
  power_off();
}

static int mount_basics(void)
{
  if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0 && errno != EBUSY)
    return -1;
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
      mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
      mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
      mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
    return -1;
  mkdir("/dev/pts", 0755);
  mkdir("/dev/shm", 01777);
  mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620");
  mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "nsdelegate") < 0)
    return -1;
  return 0;
}

/* Every controller the guest kernel has, for the container's limits. */
static void enable_controllers(void)
{
  _cleanup_free_ char *list = NULL, *want = NULL;
  size_t len, n = 0;
  char *tok, *save = NULL;

  if (hk_read_file("/sys/fs/cgroup/cgroup.controllers", 4096, &list, &len, NULL) < 0)
    return;
  want = hk_xmalloc0(len * 2 + 2);
  for (tok = strtok_r(list, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
    n += sprintf(want + n, "+%s ", tok);
  if (n)
    hk_write_file("/sys/fs/cgroup/cgroup.subtree_control", want, n, NULL);
}

/* The modules listed in /lib/modules/LIST, in order: "order" at boot,
 * "order-9p" before the first 9p mount. */
static int load_modules(const char *list)
{
  _cleanup_free_ char *order = NULL, *lpath = hk_xasprintf("/lib/modules/%s", list);
  size_t len;
  char *name, *save = NULL;

  if (hk_read_file(lpath, 1 << 16, &order, &len, NULL) < 0)
    return -1;
  for (name = strtok_r(order, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
    _cleanup_free_ char *path = hk_xasprintf("/lib/modules/%s", name);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)) {
      say("load module %s: %s", name, strerror(errno));
      return -1;
    }
  }
  return 0;
}

/* The port NAME's device; the ports appear shortly after the module
 * loads, as the host announces them. */
static int open_port(const char *name)
{
  for (int tries = 0; tries < 3000; tries++) {
    DIR *d = opendir("/sys/class/virtio-ports");
    struct dirent *de;
    while (d && (de = readdir(d))) {
      _cleanup_free_ char *p = NULL, *v = NULL;
      size_t len;
      if (de->d_name[0] == '.')
        continue;
      p = hk_xasprintf("/sys/class/virtio-ports/%s/name", de->d_name);
      if (hk_read_file(p, 256, &v, &len, NULL) < 0)
        continue;
      if (len && v[len - 1] == '\n')
        v[--len] = '\0';
      if (strcmp(v, name) == 0) {
        _cleanup_free_ char *dev = hk_xasprintf("/dev/%s", de->d_name);
        int fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
        closedir(d);
        return fd;
      }
    }
    if (d)
      closedir(d);
    usleep(1000);
  }
  return -1;
}

static int mkdir_p(const char *path);

/* Where a host path may be placed: absolute, without "." or ".." parts,
 * and not over what the guest itself runs from. */
static bool placeable(const char *p)
{
  static const char *const own[] = {"/proc",    "/sys",        "/dev",      "/bin",
                                    "/lib",     "/lib64",      "/run/husk", "/husk-vm-init",
                                    "/newroot", "/etc/passwd", "/etc/group"};
  if (p[0] != '/' || strcmp(p, "/") == 0 || strstr(p, "/../") || strstr(p, "/./") ||
      strstr(p, "//"))
    return false;
  for (size_t i = 0; i < HK_ARRAY_SIZE(own); i++) {
    size_t n = strlen(own[i]);
    if (strncmp(p, own[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
      return false;
  }
  return true;
}

/* "PATH\0MODE\0CONTENT": a bind mount's source file, copied. */
static void place_file(struct guest *g, const char *data, size_t len)
{
  const char *path = data, *mode, *body;
  _cleanup_free_ char *dir = NULL;
  size_t pl = strnlen(data, len), ml;
  int fd;

  if (pl + 1 >= len)
    fail(g, "control channel: bad file message");
  mode = data + pl + 1;
  ml = strnlen(mode, len - pl - 1);
  if (pl + 1 + ml + 1 > len)
    fail(g, "control channel: bad file message");
  body = mode + ml + 1;
  if (!placeable(path))
    fail(g, "cannot place the host file `%s` in the guest", path);
  dir = hk_xstrdup(path);
  *strrchr(dir, '/') = '\0';
  if ((dir[0] && mkdir_p(dir) < 0) ||
      (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                 (mode_t)strtoul(mode, NULL, 8) & 07777)) < 0)
    fail(g, "create %s: %s", path, strerror(errno));
  if (hk_write_all(fd, body, len - (body - data)) < 0)
    fail(g, "write %s: %s", path, strerror(errno));
  close(fd);
}

/* "TAG\0PATH": a bind mount's source directory, over 9p. */
static void place_dir(struct guest *g, const char *data, size_t len)
{
  size_t tl = strnlen(data, len);
  const char *path = data + tl + 1;

  if (tl + 1 >= len || tl > 8)
    fail(g, "control channel: bad dir message");
  if (!placeable(path))
    fail(g, "cannot place the host directory `%s` in the guest", path);
  need_9p(g);
  if (mkdir_p(path) < 0 ||
      mount(data, path, "9p", 0,
            "trans=virtio,version=9p2000.L,cache=mmap,msize=512000,access=any") < 0)
    fail(g, "mount the host directory `%s` (9p tag %s): %s", path, data, strerror(errno));
}

/* A new namespace of kind flag, bound at path. */
static void place_namespace(struct guest *g, const char *path, const char *proc, int flag)
{
  _cleanup_free_ char *dir = hk_xstrdup(path), *src = NULL;
  int fd, p[2];
  char c = 0;
  pid_t pid;

  *strrchr(dir, '/') = '\0';
  if ((dir[0] && mkdir_p(dir) < 0) ||
      (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444)) < 0)
    fail(g, "create %s: %s", path, strerror(errno));
  close(fd);
  if (pipe2(p, O_CLOEXEC) < 0)
    fail(g, "pipe: %s", strerror(errno));
  pid = fork();
  if (pid == 0) {
    c = unshare(flag) == 0;
    if (write(p[1], &c, 1) == 1)
      pause(); /* killed once the namespace is bound */
    _exit(0);
  }
  close(p[1]);
  if (pid < 0 || read(p[0], &c, 1) != 1 || !c)
    fail(g, "make a %s namespace: %s", proc, strerror(errno));
  close(p[0]);
  src = hk_xasprintf("/proc/%d/ns/%s", (int)pid, proc);
  if (mount(src, path, NULL, MS_BIND, NULL) < 0)
    fail(g, "bind a %s namespace at %s: %s", proc, path, strerror(errno));
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static void need_9p(struct guest *g)
{
  static bool loaded;
  if (!loaded && load_modules("order-9p") < 0)
    fail(g, "cannot load the 9p modules");
  loaded = true;
}

static void receive_job(struct guest *g)
{
  for (;;) {
    char word[16];
    char *data = NULL;
    size_t len;
    int r = hk_vm_msg_recv(g->ctl, word, &data, &len);
    if (r <= 0)
      fail(g, "control channel: %s", r == 0 ? "closed by the host" : strerror(errno));
    if (strcmp(word, "go") == 0) {
      free(data);
      return;
    }
    if (strcmp(word, "id") == 0)
      g->id = data;
    else if (strcmp(word, "bundle") == 0)
      g->bundle = data;
    else if (strcmp(word, "rootfs") == 0)
      g->rootfs = data;
    else if (strcmp(word, "share") == 0)
      g->share = data;
    else if (strcmp(word, "config") == 0)
      g->config = data, g->config_len = len;
    else if (strcmp(word, "terminal") == 0)
      g->terminal = strcmp(data, "1") == 0, free(data);
    else if (strcmp(word, "file") == 0)
      place_file(g, data, len), free(data);
    else if (strcmp(word, "dir") == 0)
      place_dir(g, data, len), free(data);
    else
      fail(g, "control channel: unexpected message \"%s\"", word);
  }
}

static int mkdir_p(const char *path)
{
  _cleanup_free_ char *p = hk_xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
      return -1;
    *s = '/';
  }
  return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The bundle at the host's path, so that config.json reads the same. */
static void place_bundle(struct guest *g)
{
  _cleanup_free_ char *cfg = NULL;
  int r, fd;

  const char *what;

  if (!g->id || !g->bundle || !g->rootfs || !g->config || !g->share || g->bundle[0] != '/' ||
      g->rootfs[0] != '/')
    fail(g, "control channel: incomplete job");
  if (hk_vm_guest_clash(g->rootfs, &what) || hk_vm_guest_clash(g->bundle, &what))
    fail(g, "the bundle or rootfs is where the guest keeps its own `%s`", what);
  if (mkdir_p(g->bundle) < 0 || mkdir_p(g->rootfs) < 0)
    fail(g, "create %s: %s", g->rootfs, strerror(errno));
  cfg = hk_xasprintf("%s/config.json", g->bundle);
  fd = open(cfg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || hk_write_all(fd, g->config, g->config_len) < 0)
    fail(g, "write %s: %s", cfg, strerror(errno));
  close(fd);
  if (strcmp(g->share, "virtiofs") == 0) {
    r = mount("rootfs", g->rootfs, "virtiofs", 0, NULL);
  } else {
    need_9p(g);
    r = mount("rootfs", g->rootfs, "9p", 0,
              "trans=virtio,version=9p2000.L,cache=mmap,msize=512000,access=any");
  }
  if (r < 0)
    fail(g, "mount the shared rootfs (%s) on %s: %s", g->share, g->rootfs, strerror(errno));
}

/* A namespace that config.json joins by path is the host's, which the
 * guest cannot reach; engines name one for the network (Podman's
 * /run/netns/..., Docker's).  The guest makes a new one at that path, as
 * `ip netns add` would, so the container joins a namespace of its own. */
static void place_namespaces(struct guest *g)
{
  static const struct {
    const char *type, *proc;
    int flag;
  } kinds[] = {
      {"network", "net", CLONE_NEWNET}, {"ipc", "ipc", CLONE_NEWIPC}, {"uts", "uts", CLONE_NEWUTS}};
  struct hk_spec *spec = NULL;
  hk_error_t *e = NULL;

  if (hk_spec_parse(g->config, g->config_len, "config.json", &spec, &e) < 0)
    fail(g, "%s", e->msg);
  for (size_t i = 0; spec->has_linux && i < spec->linux_.namespaces_len; i++) {
    const struct hk_namespace *ns = &spec->linux_.namespaces[i];
    size_t k;
    if (ns->path == NULL || ns->path[0] == '\0')
      continue;
    for (k = 0; k < HK_ARRAY_SIZE(kinds); k++)
      if (ns->type && strcmp(ns->type, kinds[k].type) == 0)
        break;
    if (k == HK_ARRAY_SIZE(kinds))
      fail(g, "linux.namespaces[%zu]: a VM cannot join the host's %s namespace `%s`", i,
           ns->type ? ns->type : "?", ns->path);
    if (!placeable(ns->path))
      fail(g, "linux.namespaces[%zu]: cannot make a namespace at `%s` in the guest", i, ns->path);
    place_namespace(g, ns->path, kinds[k].proc, kinds[k].flag);
  }
  hk_spec_free(spec);
}

/* The root is the initramfs, which pivot_root cannot leave: husk's
 * pivot_root inside the container needs a root that is a mount of its own,
 * so the initramfs is bound onto itself and entered. */
static int own_root(void)
{
  if (mkdir("/newroot", 0755) < 0 || mount("/", "/newroot", NULL, MS_BIND | MS_REC, NULL) < 0 ||
      chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
      chdir("/") < 0)
    return -1;
  return 0;
}

static pid_t spawn(struct guest *g, char *const argv[], int in, int out, int err)
{
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (in >= 0)
      dup2(in, 0);
    if (out >= 0)
      dup2(out, 1);
    if (err >= 0)
      dup2(err, 2);
    execv(GUEST_HUSK, argv);
    _exit(127);
  }
  if (pid < 0)
    fail(g, "fork: %s", strerror(errno));
  return pid;
}

/* The container's terminal master, which husk create sends to
 * --console-socket. */
static int console_listen(struct guest *g)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  strcpy(a.sun_path, GUEST_CONSOLE_SOCK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0)
    fail(g, "console socket: %s", strerror(errno));
  return fd;
}

static int wait_child(pid_t pid)
{
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return st;
}

static void create_container(struct guest *g)
{
  _cleanup_close_ int nul = open("/dev/null", O_RDWR | O_CLOEXEC), lsock = -1;
  _cleanup_free_ char *pidstr = NULL;
  size_t len;
  char *argv[16];
  int n = 0, st;
  pid_t pid;

  argv[n++] = "husk-vm-guest";
  argv[n++] = "--root";
  argv[n++] = GUEST_ROOT;
  argv[n++] = "create";
  argv[n++] = "--bundle";
  argv[n++] = g->bundle;
  argv[n++] = "--pid-file";
  argv[n++] = GUEST_PIDFILE;
  if (g->terminal) {
    lsock = console_listen(g);
    argv[n++] = "--console-socket";
    argv[n++] = GUEST_CONSOLE_SOCK;
  }
  argv[n++] = g->id;
  argv[n] = NULL;
  /* husk's own errors go to the host's stderr, as they would there. */
  pid = spawn(g, argv, g->in >= 0 ? g->in : nul, g->out >= 0 ? g->out : nul,
              g->err >= 0 ? g->err : nul);
  if (g->terminal) {
    struct pollfd p = {.fd = lsock, .events = POLLIN};
    if (poll(&p, 1, 60000) == 1) {
      _cleanup_close_ int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0)
        g->pty = hk_vm_recv_fd(conn);
    }
  }
  st = wait_child(pid);
  if (st != 0) /* its own message went to stderr */
    fail(g, "husk create failed in the guest (exit status %d)",
         WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  if (g->terminal && g->pty < 0)
    fail(g, "no terminal from husk create");
  if (hk_read_file(GUEST_PIDFILE, 64, &pidstr, &len, NULL) < 0 || (g->pid = atoi(pidstr)) <= 0)
    fail(g, "no pid file from husk create");
}

static void start_container(struct guest *g)
{
  char *argv[] = {"husk-vm-guest", "--root", GUEST_ROOT, "start", g->id, NULL};
  _cleanup_close_ int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t pid = spawn(g, argv, nul, nul, g->err >= 0 ? g->err : nul);
  (void)pid; /* reaped with the orphans */
}


static void report(struct guest *g, int st)
{
  char num[16];
  sync();
  if (WIFSIGNALED(st)) {
    snprintf(num, sizeof(num), "%d", WTERMSIG(st));
    hk_vm_msg_send(g->ctl, "killed", num, strlen(num));
  } else {
    snprintf(num, sizeof(num), "%d", WEXITSTATUS(st));
    hk_vm_msg_send(g->ctl, "exit", num, strlen(num));
  }
}

static void on_control(struct guest *g, bool *started)
{
  char word[16];
  char *data = NULL;
  size_t len;
  int r = hk_vm_msg_recv(g->ctl, word, &data, &len);

  if (r <= 0) {
    say("control channel closed: stopping");
    power_off();
  }
  if (strcmp(word, "start") == 0 && !*started) {
    *started = true;
    start_container(g);
  } else if (strcmp(word, "winsize") == 0 && g->pty >= 0) {
    struct winsize ws = {0};
    if (sscanf(data, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
      ioctl(g->pty, TIOCSWINSZ, &ws);
  } else if (strcmp(word, "signal") == 0) {
    int sig = atoi(data);
    if (sig > 0 && sig < 65)
      kill(g->pid, sig);
  }
  free(data);
}

static __attribute__((noreturn)) void supervise(struct guest *g)
{
  /* The terminal both ways, never blocking: a host that does not read
   * must not keep this loop from control messages (signals). */
  struct hk_vm_relay out, in;
  sigset_t set;
  bool started = false;
  int sfd;

  if (g->pty >= 0) {
    fcntl(g->pty, F_SETFL, fcntl(g->pty, F_GETFL) | O_NONBLOCK);
    fcntl(g->tty, F_SETFL, fcntl(g->tty, F_GETFL) | O_NONBLOCK);
  }
  hk_vm_relay_init(&out, g->pty, g->pty >= 0 ? g->tty : -1);
  hk_vm_relay_init(&in, g->pty >= 0 ? g->tty : -1, g->pty);
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  for (;;) {
    struct pollfd p[6];
    int n = 0, st;
    pid_t pid;
    p[n++] = (struct pollfd){.fd = g->ctl, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    hk_vm_relay_poll(&out, p, &n, true);
    hk_vm_relay_poll(&in, p, &n, true);
    if (poll(p, n, -1) < 0 && errno != EINTR)
      fail(g, "poll: %s", strerror(errno));
    hk_vm_relay_run(&out, p);
    hk_vm_relay_run(&in, p);
    if (p[0].revents)
      on_control(g, &started);
    if (p[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) > 0)
        ;
    }
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      if (pid != g->pid)
        continue;
      /* What the terminal still holds goes out first (the host reads
       * everything, discarding what it cannot deliver). */
      hk_vm_relay_flush(&out, 10000);
      report(g, st);
      power_off();
    }
  }
}

int hk_vm_guest_main(void)
{
  struct guest g = {.ctl = -1, .out = -1, .err = -1, .in = -1, .tty = -1, .pty = -1};
  sigset_t set;

  sigfillset(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
  umask(022);
  if (mount_basics() < 0)
    fail(&g, "mount /dev, /proc, /sys, /run, /tmp or cgroup2: %s", strerror(errno));
  if (load_modules("order") < 0)
    fail(&g, "cannot load the virtio modules");
  g.ctl = open_port("husk.ctl");
  if (g.ctl < 0)
    fail(&g, "no virtio-console port husk.ctl");
  enable_controllers();
  if (own_root() < 0)
    fail(&g, "bind the initramfs onto itself: %s", strerror(errno));
  receive_job(&g);
  if (g.terminal) {
    g.tty = open_port("husk.tty");
  } else {
    g.out = open_port("husk.stdout");
    g.err = open_port("husk.stderr");
    g.in = open_port("husk.stdin");
  }
  if ((g.terminal && g.tty < 0) || (!g.terminal && (g.out < 0 || g.err < 0 || g.in < 0)))
    fail(&g, "the stdio ports are missing");
  place_bundle(&g);
  place_namespaces(&g);
  create_container(&g);
  if (hk_vm_msg_send(g.ctl, "created", "", 0) < 0)
    fail(&g, "control channel: %s", strerror(errno));
  supervise(&g);
}
