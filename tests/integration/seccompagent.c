/* seccompagent SOCKET LOG MODE: a seccomp agent for the tests, listening on
 * linux.seccomp.listenerPath as a real one would.
 *
 * For each connection it receives the container process state (JSON) and
 * the notify descriptor in SCM_RIGHTS, and writes `state JSON` to LOG.
 * It then answers the notifications of every descriptor it holds: for
 * mkdir and mkdirat it reads the path from the caller's memory, writes
 * `mkdir PATH` to LOG, and answers according to MODE:
 *
 *   fake      success, without creating anything
 *   errno:N   fail with errno N
 *
 * Any other notified call is let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * It runs until killed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64

static FILE *logf_;
static int fake_mkdir, mkdir_errno;
static struct seccomp_notif_sizes sizes;

static int receive(int ls)
{
  char buf[65536], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c;
  size_t total = 0;
  int cs, fd = -1;
  ssize_t n;

  cs = accept(ls, NULL, NULL);
  if (cs < 0)
    return -1;
  n = recvmsg(cs, &mh, MSG_CMSG_CLOEXEC);
  c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
  /* The rest of the JSON may follow in more writes, until the runtime
   * closes the connection. */
  while (n > 0) {
    total += n;
    if (total >= sizeof(buf) - 1)
      break;
    n = read(cs, buf + total, sizeof(buf) - 1 - total);
  }
  buf[total] = '\0';
  close(cs);
  fprintf(logf_, "state %s\n", buf);
  if (fd < 0)
    fprintf(logf_, "error no descriptor\n");
  fflush(logf_);
  return fd;
}

static void read_path(pid_t pid, unsigned long long addr, char *out, size_t size)
{
  char mem[64];
  ssize_t n;
  int fd;

  snprintf(mem, sizeof(mem), "/proc/%d/mem", pid);
  fd = open(mem, O_RDONLY | O_CLOEXEC);
  n = fd >= 0 ? pread(fd, out, size - 1, addr) : -1;
  if (fd >= 0)
    close(fd);
  out[n > 0 ? n : 0] = '\0';
  out[strnlen(out, size - 1)] = '\0';
}

/* Answer one notification on fd; -1 when the descriptor is finished. */
static int answer(int fd)
{
  struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
  char path[4096];
  int r = 0;

  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
    r = errno == EINTR || errno == ENOENT ? 0 : -1;
    goto out;
  }
  resp->id = req->id;
  if (req->data.nr == __NR_mkdir || req->data.nr == __NR_mkdirat) {
    read_path(req->pid, req->data.args[req->data.nr == __NR_mkdir ? 0 : 1], path, sizeof(path));
    /* The memory read is only trustworthy if the call is still pending. */
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
      goto out;
    fprintf(logf_, "mkdir %s\n", path);
    fflush(logf_);
    if (!fake_mkdir)
      resp->error = -mkdir_errno;
  } else {
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
    fprintf(logf_, "error send: %s\n", strerror(errno));
out:
  free(req);
  free(resp);
  return r;
}

int main(int argc, char **argv)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  struct pollfd p[MAX_FDS + 1];
  int n = 0, ls;

  if (argc != 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "usage: seccompagent SOCKET LOG fake|errno:N\n");
    return 2;
  }
  if (strcmp(argv[3], "fake") == 0)
    fake_mkdir = 1;
  else if (strncmp(argv[3], "errno:", 6) == 0)
    mkdir_errno = atoi(argv[3] + 6);
  else
    return 2;
  logf_ = fopen(argv[2], "a");
  if (logf_ == NULL || syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
    perror("seccompagent");
    return 1;
  }
  strcpy(addr.sun_path, argv[1]);
  ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 8) < 0) {
    perror("seccompagent: listen");
    return 1;
  }
  p[0] = (struct pollfd){.fd = ls, .events = POLLIN};
  for (;;) {
    if (poll(p, n + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      return 1;
    }
    for (int i = 1; i <= n; i++) {
      if (p[i].revents & POLLIN && answer(p[i].fd) == 0)
        continue;
      if (p[i].revents & (POLLHUP | POLLERR | POLLIN)) {
        /* every process of that filter is gone */
        close(p[i].fd);
        p[i--] = p[n--];
      }
    }
    if (p[0].revents & POLLIN) {
      int fd = receive(ls);
      if (fd >= 0 && n < MAX_FDS)
        p[++n] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
  }
}
