/* The parent/init protocol; the conversation is documented in sync.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sync.h"
#include "utils.h"

const char *hk_sync_msg_name(enum hk_sync_msg msg)
{
  static const char *const names[] = {
      [HK_SYNC_CGROUP_JOINED] = "CGROUP_JOINED",
      [HK_SYNC_USERMAP_REQUEST] = "USERMAP_REQUEST",
      [HK_SYNC_USERMAP_DONE] = "USERMAP_DONE",
      [HK_SYNC_INIT_PID] = "INIT_PID",
      [HK_SYNC_CONFIGURED] = "CONFIGURED",
      [HK_SYNC_CREATE_HOOKS] = "CREATE_HOOKS",
      [HK_SYNC_CREATE_HOOKS_DONE] = "CREATE_HOOKS_DONE",
      [HK_SYNC_READY] = "READY",
      [HK_SYNC_STATE_SAVED] = "STATE_SAVED",
      [HK_SYNC_ERROR] = "ERROR",
      [HK_SYNC_SECCOMP_FD] = "SECCOMP_FD",
      [HK_SYNC_EXEC_ERRNO] = "EXEC_ERRNO",
  };
  if ((unsigned)msg < HK_ARRAY_SIZE(names) && names[msg])
    return names[msg];
  return "unknown";
}

/* What travels beside a message: nothing, our credentials (INIT_PID) or a
 * descriptor (SECCOMP_FD). */
enum ancillary { ANC_NONE, ANC_CREDS, ANC_FD };

static int send_msg(int fd, const struct hk_sync_hdr *h, const void *payload, enum ancillary anc,
                    int passfd)
{
  union {
    char creds[CMSG_SPACE(sizeof(struct ucred))];
    char fd[CMSG_SPACE(sizeof(int))];
  } cbuf;
  char buf[sizeof(*h) + HK_SYNC_MAX_PAYLOAD];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof(*h) + h->len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  struct cmsghdr *c;

  memcpy(buf, h, sizeof(*h));
  if (h->len)
    memcpy(buf + sizeof(*h), payload, h->len);
  if (anc != ANC_NONE) {
    memset(&cbuf, 0, sizeof(cbuf));
    mh.msg_control = &cbuf;
    mh.msg_controllen = anc == ANC_CREDS ? sizeof(cbuf.creds) : sizeof(cbuf.fd);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    if (anc == ANC_CREDS) {
      struct ucred uc = {.pid = getpid(), .uid = geteuid(), .gid = getegid()};
      c->cmsg_type = SCM_CREDENTIALS;
      c->cmsg_len = CMSG_LEN(sizeof(uc));
      memcpy(CMSG_DATA(c), &uc, sizeof(uc));
    } else {
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &passfd, sizeof(int));
    }
  }
  for (;;) {
    if (sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

/* A closed socket means the other side died: say so rather than EPIPE. */
static int send_failed(enum hk_sync_msg msg, hk_error_t **err)
{
  if (errno == EPIPE || errno == ECONNRESET)
    return hk_error_plain(err, errno, "container init exited before %s", hk_sync_msg_name(msg));
  return hk_error_make(err, errno, "sync: send %s", hk_sync_msg_name(msg));
}

int hk_sync_send(int fd, enum hk_sync_msg msg, hk_error_t **err)
{
  return hk_sync_send_code(fd, msg, 0, err);
}

int hk_sync_send_code(int fd, enum hk_sync_msg msg, int code, hk_error_t **err)
{
  struct hk_sync_hdr h = {.type = msg, .code = code};
  if (send_msg(fd, &h, NULL, ANC_NONE, -1) < 0)
    return send_failed(msg, err);
  return 0;
}

int hk_sync_send_pid(int fd, hk_error_t **err)
{
  struct hk_sync_hdr h = {.type = HK_SYNC_INIT_PID};
  if (send_msg(fd, &h, NULL, ANC_CREDS, -1) < 0)
    return send_failed(HK_SYNC_INIT_PID, err);
  return 0;
}

int hk_sync_send_fd(int fd, enum hk_sync_msg msg, int passfd, hk_error_t **err)
{
  struct hk_sync_hdr h = {.type = msg};
  if (send_msg(fd, &h, NULL, ANC_FD, passfd) < 0)
    return send_failed(msg, err);
  return 0;
}

void hk_sync_send_error(int fd, const hk_error_t *e)
{
  struct hk_sync_hdr h = {.type = HK_SYNC_ERROR};
  const char *msg = e && e->msg ? e->msg : "unknown error";
  size_t len = strlen(msg);

  h.code = e ? e->code : 0;
  h.len = len > HK_SYNC_MAX_PAYLOAD ? HK_SYNC_MAX_PAYLOAD : len;
  send_msg(fd, &h, msg, ANC_NONE, -1);
}

/* The ancillary data of a received message: the sender's pid when it sent
 * its credentials, and the first descriptor; any other is closed. */
static void take_ancillary(struct msghdr *mh, int *pid, int *passfd)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level != SOL_SOCKET)
      continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred uc;
      memcpy(&uc, CMSG_DATA(c), sizeof(uc));
      *pid = uc.pid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; i++) {
        int got;
        memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (*passfd < 0)
          *passfd = got;
        else
          close(got);
      }
    }
  }
}

static int expect(int fd, enum hk_sync_msg expected, int *value, int *passfd, hk_error_t **err)
{
  char buf[sizeof(struct hk_sync_hdr) + HK_SYNC_MAX_PAYLOAD + 1];
  union {
    char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } cbuf;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  _cleanup_close_ int got_fd = -1;
  struct hk_sync_hdr h;
  int pid = -1;
  ssize_t n;

  /* Without a control buffer the kernel drops (and closes) descriptors. */
  if (expected == HK_SYNC_INIT_PID || passfd) {
    mh.msg_control = &cbuf;
    mh.msg_controllen = sizeof(cbuf);
  }
  do
    n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ECONNRESET)
    n = 0; /* the peer died before reading what we sent: it is gone too */
  if (n < 0)
    return hk_error_make(err, errno, "sync: waiting for %s", hk_sync_msg_name(expected));
  if (mh.msg_control && n > 0)
    take_ancillary(&mh, &pid, &got_fd);
  if (n == 0)
    return hk_error_make(err, 0, "container init exited before %s",
                         hk_sync_msg_name(expected));
  if ((size_t)n < sizeof(h))
    return hk_error_plain(err, EPROTO, "sync: short message");
  memcpy(&h, buf, sizeof(h));
  if (h.len != (size_t)n - sizeof(h))
    return hk_error_plain(err, EPROTO, "sync: bad message length");
  if (h.type == HK_SYNC_ERROR) {
    buf[n] = '\0';
    return hk_error_make(err, 0, "%s", buf + sizeof(h));
  }
  if (h.type == HK_SYNC_EXEC_ERRNO) {
    buf[n] = '\0';
    return hk_error_make(err, h.code ? h.code : EIO, "exec `%s`", buf + sizeof(h));
  }
  if (h.type != (uint32_t)expected)
    return hk_error_plain(err, EPROTO, "sync: expected %s, got %s", hk_sync_msg_name(expected),
                         hk_sync_msg_name(h.type));
  if (expected == HK_SYNC_INIT_PID) {
    if (pid < 0)
      return hk_error_plain(err, EPROTO, "sync: INIT_PID without credentials");
    *value = pid;
  } else if (value) {
    *value = h.code;
  }
  if (passfd) {
    if (got_fd < 0)
      return hk_error_plain(err, EPROTO, "sync: %s without a descriptor",
                            hk_sync_msg_name(expected));
    *passfd = steal_fd(&got_fd);
  }
  return 0;
}

int hk_sync_expect(int fd, enum hk_sync_msg expected, int *value, hk_error_t **err)
{
  return expect(fd, expected, value, NULL, err);
}

int hk_sync_expect_fd(int fd, enum hk_sync_msg expected, int *passfd, hk_error_t **err)
{
  *passfd = -1;
  return expect(fd, expected, NULL, passfd, err);
}

int hk_sync_wait_exec(int fd, hk_error_t **err)
{
  hk_error_t *e = NULL;
  /* No message is expected: EOF is the success, reported by expect as an
   * error without a peer message. */
  if (hk_sync_expect(fd, HK_SYNC_ERROR, NULL, &e) == 0)
    return 0;
  if (e->code == 0 && strncmp(e->msg, "container init exited", 21) == 0) {
    hk_error_free(e);
    return 0;
  }
  *err = e;
  return -1;
}
