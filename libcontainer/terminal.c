/* Terminals for the container's process; see terminal.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "terminal.h"
#include "utils.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int hk_console_socket_connect(const char *path, hk_error_t **err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  _cleanup_close_ int fd = -1;

  if (strlen(path) >= sizeof(addr.sun_path))
    return hk_error_plain(err, ENAMETOOLONG, "--console-socket: path too long: `%s`", path);
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
