/* Watching a live container for `husk events`.
 *
 * One poll(2) over up to three descriptors:
 *   - a timerfd that fires every interval (statistics ticks);
 *   - the OOM notifier of the memory cgroup: on v1 an eventfd registered
 *     through cgroup.event_control for memory.oom_control (the kernel
 *     signals it at each OOM, and once more when the cgroup is removed);
 *     on v2 an inotify watch on memory.events, whose "oom_kill" counter we
 *     compare with the last value seen (cgroup-v2.rst: a value change in
 *     that file generates a file modified event);
 *   - a pidfd on the container's init, readable once init has exited.
 *     Kernels without pidfd_open (before 5.3) get a poll timeout instead,
 *     and /proc is checked at each wake.
 *
 * The watch ends when init exits, as the container is then stopped (runc
 * waits for the cgroup to go away instead, which for a container nobody
 * deletes is never).  An OOM kill of init is reported before that end. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cgroups.h"
#include "container.h"
#include "events.h"
#include "state.h"
#include "utils.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Without a pidfd, how often to look at /proc for init. */
#define PROC_POLL_MS 100

struct hk_events {
  struct hk_cgroup *cg;
  pid_t pid;
  uint64_t start_time;
  int pidfd; /* -1: check /proc instead */
  int timerfd;
  int oomfd; /* v1 eventfd, v2 inotify, or -1 without a memory cgroup */
  bool oom_v2;
  char *memdir;
  uint64_t oom_kills; /* v2: memory.events oom_kill as last seen */
  bool stopped;       /* init is gone: report the last OOMs, then stop */
};

/* ---- durations ---- */

static const struct {
  const char *name;
  uint64_t ns;
} units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
    {"ms", 1000000},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

int hk_duration_parse(const char *s, int64_t *ns, hk_error_t **err)
{
  const char *p = s;
  bool neg = false;
  unsigned __int128 total = 0;

  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp(p, "0") == 0) {
    *ns = 0;
    return 0;
  }
  if (*p == '\0')
    return hk_error_plain(err, EINVAL, "invalid duration \"%s\"", s);
  while (*p) {
    unsigned __int128 whole = 0, frac = 0, scale = 1;
    bool digits = false;
    size_t ulen = 0;
    uint64_t unit = 0;

    for (; *p >= '0' && *p <= '9'; p++, digits = true)
      if ((whole = whole * 10 + (unsigned)(*p - '0')) > INT64_MAX)
        return hk_error_plain(err, ERANGE, "invalid duration \"%s\": too large", s);
    if (*p == '.') {
      for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
        if (scale < 1000000000000000000ULL) /* further digits are below 1 ns */
          frac = frac * 10 + (unsigned)(*p - '0'), scale *= 10;
    }
    if (!digits)
      return hk_error_plain(err, EINVAL, "invalid duration \"%s\"", s);
    while (p[ulen] && p[ulen] != '.' && (p[ulen] < '0' || p[ulen] > '9'))
      ulen++;
    if (ulen == 0)
      return hk_error_plain(err, EINVAL,
                            "invalid duration \"%s\": missing unit (ns, us, ms, s, m, h)", s);
    for (size_t i = 0; i < HK_ARRAY_SIZE(units) && !unit; i++)
      if (strlen(units[i].name) == ulen && strncmp(p, units[i].name, ulen) == 0)
        unit = units[i].ns;
    if (!unit)
      return hk_error_plain(err, EINVAL,
                            "invalid duration \"%s\": unknown unit \"%.*s\" (ns, us, ms, s, m, h)",
                            s, (int)ulen, p);
    p += ulen;
    total += whole * unit + frac * unit / scale;
    if (total > (unsigned __int128)INT64_MAX + (neg ? 1 : 0))
      return hk_error_plain(err, ERANGE, "invalid duration \"%s\": too large", s);
  }
  *ns = neg ? (int64_t)(-(__int128)total) : (int64_t)total;
  return 0;
}

/* ---- OOM notifications ---- */

static uint64_t oom_kill_count(const char *dir, bool *gone)
{
  _cleanup_free_ char *s = hk_cg_read(dir, "memory.events");
  const char *p;

  *gone = s == NULL;
  for (p = s; p && (p = strstr(p, "oom_kill ")); p++)
    if (p == s || p[-1] == '\n')
      return strtoull(p + 9, NULL, 10);
  return 0;
}

static int oom_open(struct hk_events *ev, hk_error_t **err)
{
  const char *dir = hk_cg_dir(ev->cg, HK_CG_MEMORY, &ev->oom_v2);
  _cleanup_close_ int fd = -1, cfd = -1;
  bool gone;

  if (dir == NULL)
    return 0; /* no memory cgroup: no OOM to report */
  ev->memdir = hk_xstrdup(dir);
  if (ev->oom_v2) {
    _cleanup_free_ char *path = hk_xasprintf("%s/memory.events", dir);
    fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
      return hk_error_make(err, errno, "inotify_init1");
    if (inotify_add_watch(fd, path, IN_MODIFY) < 0)
      return hk_error_make(err, errno, "watch `%s`", path);
    ev->oom_kills = oom_kill_count(dir, &gone);
  } else {
    _cleanup_free_ char *path = hk_xasprintf("%s/memory.oom_control", dir);
    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
      return hk_error_make(err, errno, "eventfd");
    cfd = open(path, O_RDONLY | O_CLOEXEC);
    if (cfd < 0)
      return hk_error_make(err, errno, "open `%s`", path);
    /* The kernel looks the file up at registration only. */
    if (hk_cg_writef(dir, "cgroup.event_control", err, "%d %d", fd, cfd) < 0)
      return hk_error_wrap(err, "register for OOM notifications");
  }
  ev->oomfd = steal_fd(&fd);
  return 0;
}

/* New OOM notifications since the last call (0 or 1 event); *gone when
 * the memory cgroup has been removed. */
static bool oom_check(struct hk_events *ev, bool *gone)
{
  *gone = false;
  if (ev->oomfd < 0)
    return false;
  if (ev->oom_v2) {
    char buf[4096];
    uint64_t n;
    while (read(ev->oomfd, buf, sizeof(buf)) > 0)
      ; /* drained: the file is read below */
    n = oom_kill_count(ev->memdir, gone);
    if (*gone || n <= ev->oom_kills)
      return false;
    ev->oom_kills = n;
    return true;
  } else {
    uint64_t n = 0;
    if (read(ev->oomfd, &n, sizeof(n)) != sizeof(n) || n == 0)
      return false;
    /* The eventfd also fires when the cgroup is removed. */
    if (!hk_cg_exists(ev->memdir, "cgroup.event_control")) {
      *gone = true;
      return false;
    }
    return true;
  }
}

/* ---- init ---- */

static bool init_alive(const struct hk_events *ev)
{
  uint64_t st;
  char state = 0;

  return hk_proc_start_time(ev->pid, &st, &state) == 0 && st == ev->start_time && state != 'Z' &&
         state != 'X';
}

int hk_events_open(const char *root, const char *id, uint64_t interval_ns, struct hk_events **out,
                   hk_error_t **err)
{
  _cleanup_events_ struct hk_events *ev = hk_xmalloc0(sizeof(*ev));
  struct hk_state *state = NULL;
  struct itimerspec its = {0};
  bool stopped;

  ev->pidfd = ev->timerfd = ev->oomfd = -1;
  *out = NULL;
  if (interval_ns == 0)
    return hk_error_plain(err, EINVAL, "the interval must be greater than 0");
  if (hk_container_cgroup(root, id, &ev->cg, &state, err) < 0)
    return -1;
  stopped = strcmp(state->status, "stopped") == 0;
  ev->pid = state->pid;
  ev->start_time = state->start_time;
  hk_state_free(state);
  if (stopped || ev->pid <= 0)
    return hk_error_plain(err, ESRCH, "container \"%s\" is not running", id);

  ev->pidfd = (int)syscall(SYS_pidfd_open, ev->pid, 0);
  if (ev->pidfd < 0 && errno != ENOSYS && errno != ESRCH)
    return hk_error_make(err, errno, "pidfd_open %d", (int)ev->pid);
  /* The pid may have been reused between the state and the pidfd. */
  if (!init_alive(ev))
    ev->stopped = true;

  ev->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (ev->timerfd < 0)
    return hk_error_make(err, errno, "timerfd_create");
  its.it_value.tv_sec = (time_t)(interval_ns / 1000000000ULL);
  its.it_value.tv_nsec = (long)(interval_ns % 1000000000ULL);
  its.it_interval = its.it_value;
  if (timerfd_settime(ev->timerfd, 0, &its, NULL) < 0)
    return hk_error_make(err, errno, "timerfd_settime");

  if (oom_open(ev, err) < 0)
    return hk_error_wrap(err, "container \"%s\"", id);
  *out = steal_pointer(&ev);
  return 0;
}

int hk_events_next(struct hk_events *ev, enum hk_event_kind *kind, hk_error_t **err)
{
  for (;;) {
    struct pollfd fds[3];
    nfds_t n = 0;
    int timer = -1, oom = -1, pid = -1, r;
    bool gone;

    if (ev->stopped) {
      /* An OOM kill of init is counted before init is reaped. */
      *kind = oom_check(ev, &gone) ? HK_EVENT_OOM : HK_EVENT_STOPPED;
      return 0;
    }
    timer = (int)n;
    fds[n++] = (struct pollfd){.fd = ev->timerfd, .events = POLLIN};
    if (ev->oomfd >= 0) {
      oom = (int)n;
      fds[n++] = (struct pollfd){.fd = ev->oomfd, .events = POLLIN};
    }
    if (ev->pidfd >= 0) {
      pid = (int)n;
      fds[n++] = (struct pollfd){.fd = ev->pidfd, .events = POLLIN};
    }
    r = poll(fds, n, ev->pidfd >= 0 ? -1 : PROC_POLL_MS);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return hk_error_make(err, errno, "poll");

    if (oom >= 0 && fds[oom].revents) {
      if (oom_check(ev, &gone)) {
        *kind = HK_EVENT_OOM;
        return 0;
      }
      if (gone) {
        ev->stopped = true;
        continue;
      }
    }
    if (pid >= 0 ? fds[pid].revents != 0 : !init_alive(ev)) {
      ev->stopped = true;
      continue;
    }
    if (fds[timer].revents) {
      uint64_t ticks;
      if (read(ev->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
        *kind = HK_EVENT_TICK;
        return 0;
      }
    }
  }
}

const struct hk_cgroup *hk_events_cgroup(const struct hk_events *ev)
{
  return ev->cg;
}

void hk_events_free(struct hk_events *ev)
{
  if (ev == NULL)
    return;
  hk_cgroup_free(ev->cg);
  if (ev->pidfd >= 0)
    close(ev->pidfd);
  if (ev->timerfd >= 0)
    close(ev->timerfd);
  if (ev->oomfd >= 0)
    close(ev->oomfd);
  free(ev->memdir);
  free(ev);
}
