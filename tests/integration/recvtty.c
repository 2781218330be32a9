/* recvtty SOCKET OUT: a console-socket peer for the tests, as conmon or
 * containerd would be.  It accepts one connection on SOCKET, receives the
 * pty master over SCM_RIGHTS, writes the name that came with it as the first
 * line of OUT, then copies the terminal's output to OUT until it closes.
 * With DELAY, it waits that many seconds before it reads: a slow reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char name[256], cbuf[CMSG_SPACE(sizeof(int))], buf[4096];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                      .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c;
  int ls, cs, master;
  ssize_t n;
  FILE *out;

  if (argc < 3 || argc > 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "usage: recvtty SOCKET OUT [DELAY]\n");
    return 2;
  }
  strcpy(addr.sun_path, argv[1]);
  ls = socket(AF_UNIX, SOCK_STREAM, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0) {
    perror("recvtty: listen");
    return 1;
  }
  cs = accept(ls, NULL, NULL);
  if (cs < 0 || (n = recvmsg(cs, &mh, 0)) < 0) {
    perror("recvtty: receive");
    return 1;
  }
  name[n] = '\0';
  c = CMSG_FIRSTHDR(&mh);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "recvtty: no file descriptor received\n");
    return 1;
  }
  memcpy(&master, CMSG_DATA(c), sizeof(int));
  out = fopen(argv[2], "w");
  if (out == NULL) {
    perror("recvtty: open output");
    return 1;
  }
  fprintf(out, "%s\n", name);
  fflush(out);
  if (argc == 4)
    sleep(atoi(argv[3]));
  while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) {
      fwrite(buf, 1, n, out);
      fflush(out);
    }
  }
  fclose(out);
  return 0;
}
