/* Terminals for the container's process, and the wait of a foreground
 * process; see terminal.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

#include "log.h"
#include "terminal.h"
#include "utils.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int hk_console_socket_connect(const char *path, hk_error_t **err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  _cleanup_close_ int fd = -1;
  struct stat st;

  if (strlen(path) >= sizeof(addr.sun_path))
    return hk_error_plain(err, ENAMETOOLONG, "--console-socket: path too long: `%s`", path);
  /* connect() says "Connection refused" for a file that is no socket. */
  if (stat(path, &st) < 0)
    return hk_error_make(err, errno, "--console-socket `%s`", path);
  if (!S_ISSOCK(st.st_mode))
    return hk_error_plain(err, ENOTSOCK, "--console-socket `%s`: not a unix socket", path);
  strcpy(addr.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hk_error_make(err, errno, "--console-socket: socket");
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
    return hk_error_make(err, errno, "--console-socket: connect `%s`", path);
  return steal_fd(&fd);
}

int hk_send_fd(int sockfd, int fd, const char *name, hk_error_t **err)
{
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c;

  memset(cbuf, 0, sizeof(cbuf));
  c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  while (sendmsg(sockfd, &mh, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR)
      return hk_error_make(err, errno, "--console-socket: send the terminal");
  }
  return 0;
}

int hk_terminal_setup(int sockfd, const struct hk_process *p, hk_error_t **err)
{
  _cleanup_close_ int master = -1, slave = -1;
  int unlock = 0;

  master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return hk_error_make(err, errno, "process.terminal: open /dev/ptmx");
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    return hk_error_make(err, errno, "process.terminal: unlock pty");
  /* TIOCGPTPEER opens the peer through the master, never by a path that
   * the container could swap. */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return hk_error_make(err, errno, "process.terminal: open the pty's peer");
  if (p->has_console_size) {
    struct winsize ws = {.ws_row = p->console_size.height, .ws_col = p->console_size.width};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
      return hk_error_make(err, errno, "process.consoleSize");
  }
  if (hk_send_fd(sockfd, master, "/dev/ptmx", err) < 0)
    return -1;
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return hk_error_make(err, errno, "process.terminal: set the controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup3(slave, i, 0) < 0)
      return hk_error_make(err, errno, "process.terminal: dup to fd %d", i);
  return 0;
}

struct hk_tty_relay {
  int master; /* non-blocking: a process that stops reading never stalls husk */
  int host;   /* husk's own terminal, for the window size, or -1 */
  bool raw;   /* stdin is a terminal put in raw mode; `saved` restores it */
  struct termios saved;
};

static int recv_fd(int sockfd, hk_error_t **err)
{
  char name[64], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c;
  ssize_t n;
  int fd;

  do
    n = recvmsg(sockfd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hk_error_make(err, errno, "process.terminal: receive the terminal");
  c = CMSG_FIRSTHDR(&mh);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int)))
    return hk_error_plain(err, EPROTO, "process.terminal: the container sent no terminal");
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

/* The container's terminal takes the size of husk's, unless that one has
 * none (0x0, as a fresh pty nobody sized): then consoleSize stays. */
static void resize(const struct hk_tty_relay *r)
{
  struct winsize ws;

  if (r->host >= 0 && ioctl(r->host, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col &&
      ioctl(r->master, TIOCSWINSZ, &ws) < 0)
    hk_debug("resize the container's terminal: %s", strerror(errno));
}

int hk_tty_relay_open(int sockfd, struct hk_tty_relay **out, hk_error_t **err)
{
  _cleanup_close_ int master = recv_fd(sockfd, err);
  struct hk_tty_relay *r;
  int fl;

  if (master < 0)
    return -1;
  if (!isatty(master))
    return hk_error_plain(err, ENOTTY, "process.terminal: the container sent no terminal");
  fl = fcntl(master, F_GETFL);
  if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
    return hk_error_make(err, errno, "process.terminal: make the terminal non-blocking");
  r = hk_xmalloc0(sizeof(*r));
  r->master = steal_fd(&master);
  r->host = isatty(0) ? 0 : isatty(1) ? 1 : isatty(2) ? 2 : -1;
  resize(r);
  /* Raw mode only when husk reads its input from a terminal: every key,
   * ^C included, then goes to the container's terminal, whose own line
   * discipline does the echo, the editing and the signals.  (With only
   * stdout a terminal, ^C must still interrupt husk.)  Not from a
   * background job: the terminal is someone else's then. */
  if (r->host == 0 && tcgetpgrp(0) == getpgrp() && tcgetattr(0, &r->saved) == 0) {
    struct termios raw = r->saved;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSANOW, &raw) == 0)
      r->raw = true;
    else
      hk_warn("cannot put the terminal in raw mode: %s", strerror(errno));
  }
  *out = r;
  return 0;
}

void hk_tty_relay_close(struct hk_tty_relay *r)
{
  if (r == NULL)
    return;
  if (r->raw && tcsetattr(0, TCSANOW, &r->saved) < 0)
    hk_warn("cannot restore the terminal: %s", strerror(errno));
  close(r->master);
  free(r);
}

/* The copy between husk's stdin/stdout and the container's terminal.
 * Input waits in buf until the terminal takes it; output is written out
 * at once (stdout is shared with the caller, so it stays blocking). */
struct relay_io {
  struct hk_tty_relay *r;
  bool in_open, master_open, out_open;
  bool line_start; /* the last byte given to the terminal ended a line */
  size_t off, len;
  char buf[4096];
};

static int write_out(int fd, const char *p, size_t len)
{
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EAGAIN) { /* someone made our stdout non-blocking */
      struct pollfd w = {.fd = fd, .events = POLLOUT};
      poll(&w, 1, -1);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    p += n;
    len -= n;
  }
  return 0;
}

/* One read from the terminal to stdout: 1 when data came, 0 when there is
 * none for now, -1 when the terminal is closed (every slave is gone). */
static int copy_out(struct relay_io *io)
{
  char buf[8192];
  ssize_t n = read(io->r->master, buf, sizeof(buf));

  if (n > 0) {
    if (io->out_open && write_out(1, buf, n) < 0) {
      hk_debug("terminal output dropped: stdout: %s", strerror(errno));
      io->out_open = false;
    }
    return 1;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  io->master_open = false; /* EIO */
  io->off = io->len = 0;
  return -1;
}

/* The end of a piped or redirected stdin: a program reading lines gets
 * EOF from VEOF at the start of a line (twice after a partial line, the
 * first only ends it).  A program in raw mode would read it as data. */
static void queue_eof(struct relay_io *io)
{
  struct termios t;

  if (!io->master_open || tcgetattr(io->r->master, &t) < 0 || !(t.c_lflag & ICANON))
    return;
  io->off = io->len = 0;
  if (!io->line_start)
    io->buf[io->len++] = t.c_cc[VEOF];
  io->buf[io->len++] = t.c_cc[VEOF];
}

static void copy_in(struct relay_io *io)
{
  ssize_t n = read(0, io->buf, sizeof(io->buf));

  if (n > 0) {
    io->off = 0;
    io->len = n;
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  io->in_open = false;
  queue_eof(io);
}

static void flush_in(struct relay_io *io)
{
  ssize_t n = write(io->r->master, io->buf + io->off, io->len - io->off);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    io->off = io->len = 0; /* the terminal is gone: so is the input */
    return;
  }
  io->line_start = io->buf[io->off + n - 1] == '\n' || io->buf[io->off + n - 1] == '\r';
  io->off += n;
  if (io->off == io->len)
    io->off = io->len = 0;
}

/* Reap every child that exited; true when pid was one of them. */
static bool reap(pid_t pid, int *status)
{
  bool found = false;
  pid_t p;
  int st;

  while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
    if (p == pid) {
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      found = true;
    }
  }
  return found;
}

/* True once pid has exited. */
static bool handle_signal(int sfd, pid_t pid, struct relay_io *io, int *status)
{
  struct signalfd_siginfo si;

  if (read(sfd, &si, sizeof(si)) != sizeof(si))
    return false;
  switch (si.ssi_signo) {
  case SIGCHLD:
    return reap(pid, status);
  case SIGWINCH:
    if (io->r == NULL)
      break;
    /* The kernel tells the terminal's foreground process itself. */
    resize(io->r);
    return false;
  case SIGPIPE:
    if (si.ssi_pid == (uint32_t)getpid())
      return false; /* from our own write to a closed stdout */
    break;
  }
  if (kill(pid, si.ssi_signo) < 0 && errno != ESRCH)
    hk_debug("forward signal %u to %d: %s", si.ssi_signo, (int)pid, strerror(errno));
  return false;
}

int hk_foreground_wait(pid_t pid, struct hk_tty_relay *r, int *status, hk_error_t **err)
{
  struct relay_io io = {
      .r = r, .in_open = r != NULL, .master_open = r != NULL, .out_open = true, .line_start = true};
  _cleanup_close_ int sfd = -1;
  sigset_t all;

  sigfillset(&all);
  sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0)
    return hk_error_make(err, errno, "signalfd");
  for (;;) {
    struct pollfd pfd[3] = {{.fd = sfd, .events = POLLIN}, {.fd = -1}, {.fd = -1}};

    if (io.master_open)
      pfd[1] = (struct pollfd){.fd = r->master, .events = POLLIN | (io.len ? POLLOUT : 0)};
    if (io.in_open && io.len == 0)
      pfd[2] = (struct pollfd){.fd = 0, .events = POLLIN};
    if (poll(pfd, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      return hk_error_make(err, errno, "poll");
    }
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
      copy_out(&io);
    if (io.master_open && io.len && (pfd[1].revents & POLLOUT))
      flush_in(&io);
    if (pfd[2].revents)
      copy_in(&io);
    if ((pfd[0].revents & POLLIN) && handle_signal(sfd, pid, &io, status))
      break;
  }
  /* What the process wrote before it exited.  The kernel pushes pending
   * output to the master before it reports EIO or EAGAIN; the bound is for
   * a process that outlived it (no PID namespace) and keeps writing. */
  for (int i = 0; i < 4096 && io.master_open && copy_out(&io) > 0; i++)
    ;
  return 0;
}
