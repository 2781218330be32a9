/* The micro-VM handler's shim: the host process that stands for a VM
 * container (see vm.h).  Its PID is the container's PID in state.json, so
 * `start` (exec.fifo), `kill` (a signal to it), `state` (it is alive) and
 * a waiting parent (its exit status is the container's) work as they do for
 * any container.  It runs virtiofsd and QEMU as children that die with it
 * (PR_SET_PDEATHSIG), relays stdio between its own descriptors and the
 * guest's virtio-console ports, forwards every signal it can catch to the
 * container's process in the guest, and exits as that process did: with
 * its code, or killed by its signal.  SIGKILL cannot be forwarded: it kills
 * the shim, and with it the VM. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "terminal.h"
#include "utils.h"
#include "vm.h"

enum { P_CTL, P_OUT, P_ERR, P_IN, P_TTY, P_N };
/* The relays: guest's stdout and stderr to ours, our stdin to the guest,
 * and the terminal both ways between husk.tty and the host pty. */
enum { R_OUT, R_ERR, R_IN, R_TTY_OUT, R_TTY_IN, R_N };

struct shim {
  const struct hk_vm_launch *v;
  struct hk_vm_host *h;
  int dirfd, report, console; /* console: where the pty master goes, or -1 */
  int sock[P_N];              /* our ends of the ports' sockets, -1 when unused */
  int pty;                    /* the host pty's slave, relayed to husk.tty */
  pid_t qemu, virtiofsd, opener;
  unsigned short rows, cols; /* the terminal's size, as last sent */
  bool created, stdin_shut;
  bool ctl_eof;        /* QEMU closed the control channel */
  bool exited, killed; /* the guest reported the end: exit code or signal */
  int code;
  long deadline; /* ms on CLOCK_MONOTONIC while waiting for QEMU to end, or 0 */
  struct hk_vm_relay rel[R_N];
  /* Messages to the guest, written as the control channel takes them: a
   * guest that does not read (never booted) cannot block the shim. */
  char *ctlq;
  size_t ctlq_off, ctlq_len;
};

/* How long QEMU may take to end once the guest reported the exit (it powers
 * off at once) or closed the control channel. */
#define QEMU_END_MS 10000
/* Seconds from QEMU's start to the container created in the guest (about
 * 2.5 s under TCG here, a fraction of that with KVM). */
#define DEFAULT_BOOT_TIMEOUT 120

static long now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Queue a message of the control channel (vm.h) for the guest. */
static void send_msg(struct shim *s, const char *word, const void *data, size_t len)
{
  char head[48];
  int n = snprintf(head, sizeof(head), "%s %zu\n", word, len);

  if (s->ctlq_off == s->ctlq_len)
    s->ctlq_off = s->ctlq_len = 0;
  s->ctlq = hk_xrealloc(s->ctlq, s->ctlq_len + n + len);
  memcpy(s->ctlq + s->ctlq_len, head, n);
  memcpy(s->ctlq + s->ctlq_len + n, data, len);
  s->ctlq_len += n + len;
}

static void write_queued(struct shim *s)
{
  ssize_t w = send(s->sock[P_CTL], s->ctlq + s->ctlq_off, s->ctlq_len - s->ctlq_off,
                   MSG_DONTWAIT | MSG_NOSIGNAL);
  if (w > 0)
    s->ctlq_off += w;
  else if (w < 0 && errno != EAGAIN && errno != EINTR)
    s->ctlq_off = s->ctlq_len; /* QEMU is gone: its exit, reaped next, says why */
}

static __attribute__((noreturn)) void shim_fail(struct shim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void kill_vm(struct shim *s)
{
  if (s->opener > 0) {
    kill(s->opener, SIGKILL);
    waitpid(s->opener, NULL, 0);
    s->opener = 0;
  }
  if (s->qemu > 0) {
    kill(s->qemu, SIGKILL);
    waitpid(s->qemu, NULL, 0);
    s->qemu = 0;
  }
  if (s->virtiofsd > 0) {
    kill(s->virtiofsd, SIGKILL);
    waitpid(s->virtiofsd, NULL, 0);
    s->virtiofsd = 0;
  }
}

/* The last lines of the guest's console, for an error message. */
static char *console_tail(int dirfd)
{
  _cleanup_close_ int fd = openat(dirfd, "console.log", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char buf[600];
  ssize_t n;
  off_t end;

  if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) <= 0)
    return hk_xstrdup("");
  lseek(fd, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
  n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return hk_xstrdup("");
  buf[n] = '\0';
  for (char *p = buf; *p; p++)
    if (*p == '\r' || *p == '\n')
      *p = ' ';
  return hk_xasprintf("; guest console: ...%s", buf);
}

static bool guest_said; /* the failure is the guest's own report */

static void shim_fail(struct shim *s, const char *fmt, ...)
{
  char msg[2048];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  kill_vm(s);
  if (s->report >= 0 && !s->created) {
    _cleanup_free_ char *tail = guest_said ? hk_xstrdup("") : console_tail(s->dirfd);
    _cleanup_free_ char *m = hk_xasprintf("%s%s", msg, tail);
    hk_write_all(s->report, m, strlen(m));
  }
  _exit(255);
}

/* Keep only the descriptors in keep[]: the state directory's lock and
 * whatever husk held must not live on in the shim. */
static void close_others(const int *keep, size_t n)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *de;
  int self = d ? dirfd(d) : -1;

  while (d && (de = readdir(d))) {
    int fd = atoi(de->d_name);
    bool kept = fd < 3 || fd == self || de->d_name[0] == '.';
    for (size_t i = 0; i < n && !kept; i++)
      kept = keep[i] == fd;
    if (!kept)
      close(fd);
  }
  if (d)
    closedir(d);
}

/* fd itself, or a copy above HK_VM_SHIM_FIFO_FD when it is that number. */
static int move_off(int fd)
{
  int to;

  if (fd != HK_VM_SHIM_FIFO_FD)
    return fd;
  to = fcntl(fd, F_DUPFD_CLOEXEC, HK_VM_SHIM_FIFO_FD + 1);
  if (to < 0)
    return fd; /* dup3 fails next, with the error */
  close(fd);
  return to;
}

/* fork + exec with the fds in pass[] inherited, dying with the shim. */
static pid_t launch(struct shim *s, char **argv, const int *pass, size_t npass, const char *log)
{
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    int lfd = openat(s->dirfd, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() == 1)
      _exit(127);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    dup2(nul, 0);
    dup2(lfd >= 0 ? lfd : nul, 1);
    dup2(lfd >= 0 ? lfd : nul, 2);
    /* Only stdio and pass[], whatever the shim holds. */
    close_others(pass, npass);
    for (size_t i = 0; i < npass; i++)
      fcntl(pass[i], F_SETFD, 0);
    execvp(argv[0], argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  if (pid < 0)
    shim_fail(s, "VM handler: fork: %s", strerror(errno));
  return pid;
}

static void start_virtiofsd(struct shim *s)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "virtiofs.sock"};
  _cleanup_close_ int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  _cleanup_free_ char *fdopt = NULL, *src = NULL;
  char *argv[16];
  int n = 0;

  unlinkat(s->dirfd, "virtiofs.sock", 0);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
    shim_fail(s, "VM handler: virtiofs socket: %s", strerror(errno));
  fdopt = hk_xasprintf("--fd=%d", l);
  src = hk_xasprintf("source=%s", s->v->rootfs);
  argv[n++] = s->h->virtiofsd;
  argv[n++] = "-f";
  argv[n++] = fdopt;
  argv[n++] = "-o";
  argv[n++] = src;
  argv[n++] = "-o";
  argv[n++] = "cache=auto";
  argv[n++] = "-o";
  argv[n++] = "sandbox=namespace";
  argv[n++] = "-o";
  argv[n++] = "log_level=err";
  argv[n] = NULL;
  s->virtiofsd = launch(s, argv, &l, 1, "virtiofsd.log");
}

static void make_pty(struct shim *s)
{
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  struct termios t;
  hk_error_t *e = NULL;

  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
    shim_fail(s, "VM handler: open a pty: %s", strerror(errno));
  s->pty = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (s->pty < 0)
    shim_fail(s, "VM handler: open the pty's slave: %s", strerror(errno));
  /* The guest's own pty does the line discipline: this one passes bytes. */
  if (tcgetattr(s->pty, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(s->pty, TCSANOW, &t);
  }
  if (hk_send_fd(s->console, master, "/dev/ptmx", &e) < 0)
    shim_fail(s, "VM handler: %s", e->msg);
  close(master);
  close(s->console);
  s->console = -1;
}

static void record_pids(struct shim *s)
{
  uint64_t q = 0, f = 0, me = 0;
  _cleanup_free_ char *txt = NULL;
  hk_error_t *e = NULL;

  /* The shim too: a create interrupted before state.json leaves only this
   * for `delete --force` to find it by. */
  hk_proc_start_time(getpid(), &me, NULL);
  hk_proc_start_time(s->qemu, &q, NULL);
  if (s->virtiofsd > 0)
    hk_proc_start_time(s->virtiofsd, &f, NULL);
  txt = hk_xasprintf("qemu %d %llu\nvirtiofsd %d %llu\nshim %d %llu\n", (int)s->qemu,
                     (unsigned long long)q, (int)s->virtiofsd, (unsigned long long)f, (int)getpid(),
                     (unsigned long long)me);
  if (hk_write_file_atomic(s->dirfd, HK_VM_PIDS_FILE, txt, strlen(txt), 0600, &e) < 0)
    shim_fail(s, "VM handler: %s", e->msg);
}

static void send_job(struct shim *s)
{
  _cleanup_free_ char *cfg = NULL;
  size_t len;
  const char *share = s->h->virtiofsd ? "virtiofs" : "9p";
  const char *term = s->sock[P_TTY] >= 0 ? "1" : "0";

  if (hk_read_file(s->v->config_path, HK_VM_MSG_MAX, &cfg, &len, NULL) < 0)
    shim_fail(s, "VM handler: read %s: %s", s->v->config_path, strerror(errno));
  send_msg(s, "id", s->v->id, strlen(s->v->id));
  send_msg(s, "bundle", s->v->bundle, strlen(s->v->bundle));
  send_msg(s, "rootfs", s->v->rootfs, strlen(s->v->rootfs));
  send_msg(s, "config", cfg, len);
  send_msg(s, "share", share, strlen(share));
  send_msg(s, "terminal", term, 1);
  for (size_t i = 0; i < s->h->n_dirs; i++) {
    _cleanup_free_ char *tag = hk_xasprintf("b%zu", i);
    size_t tl = strlen(tag) + 1, pl = strlen(s->h->bind_dirs[i]);
    _cleanup_free_ char *msg = hk_xmalloc0(tl + pl + 1);
    memcpy(msg, tag, tl);
    memcpy(msg + tl, s->h->bind_dirs[i], pl);
    send_msg(s, "dir", msg, tl + pl);
  }
  for (size_t i = 0; i < s->h->n_files; i++) {
    const char *path = s->h->bind_files[i];
    _cleanup_free_ char *data = NULL, *msg = NULL;
    struct stat st;
    size_t dl = 0, pl = strlen(path), n;
    char mode[16];
    /* Unreadable now (gone, a race): the guest's mount fails as it would. */
    if (stat(path, &st) < 0 || hk_read_file(path, 1024 * 1024, &data, &dl, NULL) < 0)
      continue;
    n = snprintf(mode, sizeof(mode), "%o", (unsigned)(st.st_mode & 07777)) + 1;
    msg = hk_xmalloc0(pl + 1 + n + dl);
    memcpy(msg, path, pl + 1);
    memcpy(msg + pl + 1, mode, n);
    memcpy(msg + pl + 1 + n, data, dl);
    send_msg(s, "file", msg, pl + 1 + n + dl);
  }
  send_msg(s, "go", "", 0);
}

/* `husk start` opens exec.fifo for reading: a child blocks opening it for
 * writing, as init does, and its exit tells us to start. */
static void wait_for_start(struct shim *s)
{
  s->opener = fork();
  if (s->opener == 0) {
    int fd;
    /* Before the open, which blocks: it must not outlive the shim. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() == 1)
      _exit(1);
    fd = openat(s->dirfd, HK_EXEC_FIFO, O_WRONLY | O_CLOEXEC);
    _exit(fd >= 0 && write(fd, "0", 1) == 1 ? 0 : 1);
  }
}

/* What the guest wrote goes out before the shim exits (waiting for slow
 * readers, as a writer to a pipe would). */
static void flush_output(struct shim *s)
{
  hk_vm_relay_flush(&s->rel[R_OUT], -1);
  hk_vm_relay_flush(&s->rel[R_ERR], -1);
  hk_vm_relay_flush(&s->rel[R_TTY_OUT], -1);
}

static __attribute__((noreturn)) void finish(struct shim *s, bool killed, int code)
{
  sigset_t set;

  flush_output(s);
  kill_vm(s);
  if (!killed)
    _exit(code);
  /* Die as the process died, so that a waiting parent sees the signal;
   * but never dump core or stop here for what happened in the guest. */
  if (code == SIGSTOP || code == SIGTSTP || code == SIGTTIN || code == SIGTTOU ||
      code == SIGCONT || code == SIGCHLD || code == SIGURG || code == SIGWINCH || code <= 0 ||
      code >= NSIG)
    _exit(128 + code);
  setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
  signal(code, SIG_DFL);
  sigemptyset(&set);
  sigaddset(&set, code);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(code);
  _exit(128 + code);
}

/* One message from the guest; 0 at the end of the channel. */
static int on_message(struct shim *s)
{
  char word[16];
  _cleanup_free_ char *data = NULL;
  size_t len;
  int r = hk_vm_msg_recv(s->sock[P_CTL], word, &data, &len);

  if (r <= 0)
    return 0;
  if (strcmp(word, "created") == 0 && !s->created) {
    /* Nobody to report to (create was interrupted): nobody will start it. */
    if (hk_write_all(s->report, "OK", 2) < 0) {
      kill_vm(s);
      _exit(255);
    }
    close(s->report);
    s->report = -1;
    s->created = true;
    wait_for_start(s);
  } else if (strcmp(word, "error") == 0) {
    hk_vm_relay_flush(&s->rel[R_ERR], 1000); /* what husk said there comes first */
    guest_said = true;
    shim_fail(s, "VM handler: in the guest: %s", data);
  } else if ((strcmp(word, "exit") == 0 || strcmp(word, "killed") == 0) && !s->exited) {
    /* The guest powers off now: what it wrote is all out once QEMU ends. */
    s->exited = true;
    s->killed = word[0] == 'k';
    s->code = atoi(data);
    s->rel[R_IN].eof = true;
    s->deadline = now_ms() + QEMU_END_MS;
  }
  return 1;
}

static void on_signal(struct shim *s, int sfd)
{
  struct signalfd_siginfo si;

  while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
    char num[16];
    if (si.ssi_signo == SIGCHLD || si.ssi_signo == SIGPIPE || si.ssi_signo == SIGWINCH)
      continue;
    snprintf(num, sizeof(num), "%u", si.ssi_signo);
    if (s->exited)
      continue; /* nobody left to forward to: the shim ends as the process did */
    if (s->created)
      send_msg(s, "signal", num, strlen(num));
    else /* nothing to forward to yet: the create is abandoned */
      shim_fail(s, "VM handler: interrupted by signal %u", si.ssi_signo);
  }
}

/* The size that the console socket's peer sets on the master reaches the
 * guest's pty at start, and later with the next keystrokes. */
static void send_winsize(struct shim *s)
{
  struct winsize ws;
  char buf[32];

  if (s->pty < 0 || ioctl(s->pty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 ||
      (ws.ws_row == s->rows && ws.ws_col == s->cols))
    return;
  s->rows = ws.ws_row;
  s->cols = ws.ws_col;
  snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
  send_msg(s, "winsize", buf, strlen(buf));
}

static void reap(struct shim *s)
{
  pid_t pid;
  int st;

  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    if (pid == s->opener) {
      s->opener = 0;
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        close(HK_VM_SHIM_FIFO_FD); /* no longer "created" */
        send_winsize(s);
        send_msg(s, "start", "", 0);
      }
    } else if (pid == s->qemu) {
      s->qemu = 0;
      /* What the guest said before it went, its exit status above all, is
       * still in the channel: read it all (QEMU is gone, so it ends). */
      while (!s->ctl_eof && on_message(s) > 0)
        ;
      s->ctl_eof = true;
      if (s->exited)
        finish(s, s->killed, s->code);
      shim_fail(s, "VM handler: QEMU exited (status %d); see qemu.log in the state directory",
                WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    } else if (pid == s->virtiofsd) {
      s->virtiofsd = 0;
      if (s->exited) /* it ends with QEMU's connection, which may come first */
        continue;
      shim_fail(s, "VM handler: virtiofsd exited; see virtiofsd.log in the state directory");
    }
  }
}

static __attribute__((noreturn)) void loop(struct shim *s, int sfd)
{
  const char *t = getenv("HUSK_VM_BOOT_TIMEOUT");
  long boot_s = t && atol(t) > 0 ? atol(t) : DEFAULT_BOOT_TIMEOUT;
  long boot_end = now_ms() + boot_s * 1000;

  for (;;) {
    struct pollfd p[4 + 2 * R_N];
    int n = 0, i_ctl, i_sig;
    long wait = -1;

    i_ctl = -1;
    if (!s->ctl_eof)
      i_ctl = n, p[n++] = (struct pollfd){.fd = s->sock[P_CTL], .events = POLLIN};
    if (i_ctl >= 0 && s->ctlq_off < s->ctlq_len)
      p[i_ctl].events |= POLLOUT;
    i_sig = n;
    p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    for (int r = 0; r < R_N; r++)
      hk_vm_relay_poll(&s->rel[r], p, &n, r != R_IN || (s->created && !s->exited));
    if (s->deadline) {
      wait = s->deadline - now_ms();
      if (wait <= 0 && s->exited) {
        kill_vm(s); /* it did not power off: its output is what came */
        finish(s, s->killed, s->code);
      }
      if (wait <= 0)
        shim_fail(s, "VM handler: the guest closed the control channel");
    }
    /* The job, the guest's boot and the container's creation. */
    if (!s->created) {
      long left = boot_end - now_ms();
      if (left <= 0)
        shim_fail(s,
                  "VM handler: the guest did not create the container within %ld s "
                  "(HUSK_VM_BOOT_TIMEOUT)",
                  boot_s);
      if (wait < 0 || left < wait)
        wait = left;
    }
    if (poll(p, n, wait) < 0 && errno != EINTR)
      shim_fail(s, "VM handler: poll: %s", strerror(errno));
    for (int r = 0; r < R_N; r++) {
      struct hk_vm_relay *rl = &s->rel[r];
      /* The size that the console socket's peer set comes along with the
       * next keystrokes. */
      if (r == R_TTY_IN && rl->ip >= 0 && (p[rl->ip].revents & POLLIN))
        send_winsize(s);
      hk_vm_relay_run(rl, p);
    }
    /* The end of stdin: shut our side for writing, which the guest reads
     * as EOF once QEMU has taken what is queued (a close would make QEMU
     * drop it). */
    if (!s->stdin_shut && s->sock[P_IN] >= 0 && hk_vm_relay_done(&s->rel[R_IN])) {
      s->stdin_shut = true;
      shutdown(s->sock[P_IN], SHUT_WR);
    }
    if (i_ctl >= 0 && (p[i_ctl].revents & POLLOUT))
      write_queued(s);
    if (i_ctl >= 0 && (p[i_ctl].revents & ~POLLOUT) && on_message(s) == 0 && !s->ctl_eof) {
      /* QEMU closed it: its exit, reaped next, says why. */
      s->ctl_eof = true;
      if (!s->deadline)
        s->deadline = now_ms() + QEMU_END_MS;
    }
    if (p[i_sig].revents)
      on_signal(s, sfd);
    reap(s);
  }
}

static __attribute__((noreturn)) void shim_main(struct shim *s)
{
  int keep[P_N + 5], nk = 0, peer[P_N], sfd;
  bool tty = s->console >= 0;
  sigset_t all;
  _cleanup_free_ char *dir = hk_xasprintf("/proc/self/fd/%d", s->v->dirfd);

  setsid();
  /* A fresh open: the inherited one carries create's lock. */
  s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0 || fchdir(s->dirfd) < 0)
    shim_fail(s, "VM handler: open the state directory: %s", strerror(errno));
  /* What we keep moves off the fixed number before exec.fifo goes there. */
  s->dirfd = move_off(s->dirfd);
  s->report = move_off(s->report);
  s->console = move_off(s->console);
  if (hk_log_fd() != 2)
    hk_log_init(move_off(hk_log_fd()), hk_log_is_json(), hk_log_debug_enabled());
  keep[nk++] = s->dirfd;
  keep[nk++] = s->report;
  if (hk_log_fd() != 2) /* the logger writes there until the end */
    keep[nk++] = hk_log_fd();
  {
    int f = openat(s->dirfd, HK_EXEC_FIFO, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0 || (f != HK_VM_SHIM_FIFO_FD && dup3(f, HK_VM_SHIM_FIFO_FD, O_CLOEXEC) < 0))
      shim_fail(s, "VM handler: hold exec.fifo: %s", strerror(errno));
    if (f != HK_VM_SHIM_FIFO_FD)
      close(f);
    keep[nk++] = HK_VM_SHIM_FIFO_FD;
  }
  if (s->console >= 0)
    keep[nk++] = s->console;
  close_others(keep, nk);
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
  for (int i = 0; i < P_N; i++) {
    int sv[2];
    s->sock[i] = peer[i] = -1;
    if ((i == P_TTY) != tty && i != P_CTL)
      continue;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
      shim_fail(s, "VM handler: socketpair: %s", strerror(errno));
    s->sock[i] = sv[0];
    peer[i] = sv[1];
  }
  if (tty)
    make_pty(s);
  hk_vm_relay_init(&s->rel[R_OUT], s->sock[P_OUT], 1);
  hk_vm_relay_init(&s->rel[R_ERR], s->sock[P_ERR], 2);
  hk_vm_relay_init(&s->rel[R_IN], tty ? -1 : 0, s->sock[P_IN]);
  hk_vm_relay_init(&s->rel[R_TTY_OUT], s->sock[P_TTY], s->pty);
  hk_vm_relay_init(&s->rel[R_TTY_IN], s->pty, s->sock[P_TTY]);
  if (s->h->virtiofsd)
    start_virtiofsd(s);
  s->h->argv = hk_vm_qemu_argv(s->h, s->v->rootfs, peer);
  {
    int pass[P_N], np = 0;
    for (int i = 0; i < P_N; i++)
      if (peer[i] >= 0)
        pass[np++] = peer[i];
    s->qemu = launch(s, s->h->argv, pass, np, "qemu.log");
    hk_debug("VM handler: QEMU started (PID %d)", (int)s->qemu);
    for (int i = 0; i < P_N; i++)
      if (peer[i] >= 0)
        close(peer[i]);
  }
  record_pids(s);
  send_job(s);
  loop(s, sfd);
}

/* husk-vm-shim ID BUNDLE ROOTFS CONFIG STATE_FD REPORT_FD CONSOLE_FD
 * CONSOLE_SOCKET LOG_FD,JSON,DEBUG,HUSK_EXE_FD (-1 for none), as
 * hk_vm_spawn (vm.c) execs it: everything from here on is reported on
 * REPORT_FD ("OK", or the message of what failed). */
int hk_vm_shim_main(int argc, char **argv)
{
  struct hk_spec *spec = NULL;
  struct hk_vm_launch v = {0};
  struct hk_vm_host h = {0};
  struct shim s = {.v = &v, .h = &h, .console = -1, .pty = -1, .report = -1};
  hk_error_t *err = NULL;
  int console_fd, log_fd = -1, json = 0, debug = 0, exe_fd = -1;

  if (argc != 10 || sscanf(argv[9], "%d,%d,%d,%d", &log_fd, &json, &debug, &exe_fd) != 4 ||
      exe_fd < 0) {
    fprintf(stderr, "husk-vm-shim: run by husk for a VM container, not by hand\n");
    return 2;
  }
  v.id = argv[1];
  v.bundle = argv[2];
  v.rootfs = argv[3];
  v.config_path = argv[4];
  v.dirfd = atoi(argv[5]);
  s.report = atoi(argv[6]);
  console_fd = atoi(argv[7]);
  v.console_socket = *argv[8] ? argv[8] : NULL;
  hk_log_init(log_fd, json, debug);
  /* Our own descriptors must not reach QEMU or the container. */
  fcntl(v.dirfd, F_SETFD, FD_CLOEXEC);
  fcntl(s.report, F_SETFD, FD_CLOEXEC);
  if (console_fd >= 0)
    fcntl(console_fd, F_SETFD, FD_CLOEXEC);
  if (log_fd >= 0)
    fcntl(log_fd, F_SETFD, FD_CLOEXEC);
  fcntl(exe_fd, F_SETFD, FD_CLOEXEC);
  /* husk's binary, which husk-vm-prepare packs for the guest. */
  h.husk_exe = hk_xasprintf("/proc/%d/fd/%d", (int)getpid(), exe_fd);
  if (hk_spec_load(v.config_path, &spec, &err) < 0)
    goto fail;
  v.spec = spec;
  if (hk_vm_host_prepare(&h, spec, v.bundle, v.rootfs, &err) < 0)
    goto fail;
  close(exe_fd);
  if (spec->process.terminal) {
    s.console = console_fd >= 0 ? console_fd : hk_console_socket_connect(v.console_socket, &err);
    if (s.console < 0)
      goto fail;
  }
  if (mkfifoat(v.dirfd, HK_EXEC_FIFO, 0600) < 0) {
    hk_error_make(&err, errno, "VM handler: create exec fifo");
    goto fail;
  }
  shim_main(&s);

fail:
  hk_write_all(s.report, err->msg, strlen(err->msg));
  hk_error_free(err);
  hk_vm_host_clear(&h);
  hk_spec_free(spec);
  return 255;
}
