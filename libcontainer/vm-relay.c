/* The micro-VM handler's byte relays (see vm.h): one direction each, with
 * a small buffer, driven by the caller's poll loop.  Neither side ever
 * blocks in a read or a write, so a process that writes a lot while not
 * reading its input cannot wedge the shim or the guest init: a source is
 * not polled while its buffer is full, a destination only while there is
 * something to write, and nothing is dropped on EAGAIN. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm.h"

void hk_vm_relay_init(struct hk_vm_relay *r, int from, int to)
{
  struct stat st;
  int fl = to >= 0 ? fcntl(to, F_GETFL) : -1;

  *r = (struct hk_vm_relay){.from = from, .to = to, .ip = -1, .op = -1};
  r->eof = from < 0;
  r->dead = to < 0;
  /* A blocking pipe or terminal (our stdout, shared with others: its
   * O_NONBLOCK is not ours to set) takes PIPE_BUF bytes without blocking
   * once poll says POLLOUT; a socket is written with MSG_DONTWAIT. */
  r->chunk = PIPE_BUF;
  if (to >= 0 && fstat(to, &st) == 0) {
    r->sock = S_ISSOCK(st.st_mode);
    if (r->sock || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || (fl >= 0 && (fl & O_NONBLOCK)))
      r->chunk = sizeof(r->buf);
  }
}

void hk_vm_relay_poll(struct hk_vm_relay *r, struct pollfd *p, int *n, bool may_read)
{
  r->ip = r->op = -1;
  if (may_read && !r->eof && r->len < sizeof(r->buf)) {
    r->ip = *n;
    p[(*n)++] = (struct pollfd){.fd = r->from, .events = POLLIN};
  }
  if (r->len && !r->dead) {
    r->op = *n;
    p[(*n)++] = (struct pollfd){.fd = r->to, .events = POLLOUT};
  }
}

static void relay_write(struct hk_vm_relay *r)
{
  size_t want = r->len < r->chunk ? r->len : r->chunk;
  ssize_t w;

  if (r->sock)
    w = send(r->to, r->buf + r->off, want, MSG_DONTWAIT | MSG_NOSIGNAL);
  else
    w = write(r->to, r->buf + r->off, want);
  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (w <= 0) { /* the reader is gone: what is left has nowhere to go */
    r->dead = true;
    r->off = r->len = 0;
    return;
  }
  r->off += w;
  r->len -= w;
  if (r->len == 0)
    r->off = 0;
}

static void relay_read(struct hk_vm_relay *r, short revents)
{
  char sink[4096];
  ssize_t n;

  if (r->off && r->off + r->len == sizeof(r->buf)) {
    memmove(r->buf, r->buf + r->off, r->len);
    r->off = 0;
  }
  /* With the destination gone, the source is still read (and discarded),
   * so that its writer never blocks. */
  if (r->dead)
    n = read(r->from, sink, sizeof(sink));
  else
    n = read(r->from, r->buf + r->off + r->len, sizeof(r->buf) - r->off - r->len);
  if (n > 0) {
    if (!r->dead)
      r->len += n;
    return;
  }
  /* EOF, or an error such as EIO from a pty whose other side is closed;
   * a hang-up with nothing to read is the end too (no spinning on it). */
  if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
      (!(revents & POLLIN) && (revents & (POLLHUP | POLLERR))))
    r->eof = true;
}

bool hk_vm_relay_run(struct hk_vm_relay *r, const struct pollfd *p)
{
  bool input = false;

  if (r->op >= 0 && p[r->op].revents)
    relay_write(r);
  if (r->ip >= 0 && p[r->ip].revents) {
    input = (p[r->ip].revents & POLLIN) != 0;
    relay_read(r, p[r->ip].revents);
  }
  /* Write at once what came in: most of the time the destination takes it. */
  if (r->len && !r->dead && r->ip >= 0 && p[r->ip].revents)
    relay_write(r);
  return input;
}

bool hk_vm_relay_done(const struct hk_vm_relay *r)
{
  return r->eof && (r->len == 0 || r->dead);
}

void hk_vm_relay_flush(struct hk_vm_relay *r, int ms)
{
  while (!hk_vm_relay_done(r)) {
    struct pollfd p[2];
    int n = 0;

    hk_vm_relay_poll(r, p, &n, true);
    if (n == 0)
      return;
    /* Nothing buffered: only what is readable now; else wait for the
     * destination as long as the caller allows. */
    n = poll(p, n, r->len && !r->dead ? ms : 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    hk_vm_relay_run(r, p);
  }
}
