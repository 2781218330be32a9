/* Signal names and numbers, as `kill` accepts them. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "container.h"
#include "utils.h"

static const struct {
  const char *name;
  int signo;
} signals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},    {"CONT", SIGCONT},
    {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},
    {"URG", SIGURG},     {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},   {"WINCH", SIGWINCH},   {"IO", SIGIO},       {"POLL", SIGPOLL},
    {"PWR", SIGPWR},     {"SYS", SIGSYS},
};

int hk_signal_parse(const char *s, int *signo, hk_error_t **err)
{
  const char *name = s;
  char *end;
  long n;

  if (s == NULL || *s == '\0')
    return hk_error_plain(err, EINVAL, "unknown signal \"\"");
  n = strtol(s, &end, 10);
  if (*end == '\0') {
    if (n <= 0 || n > SIGRTMAX)
      return hk_error_plain(err, EINVAL, "unknown signal \"%s\"", s);
    *signo = n;
    return 0;
  }
  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < HK_ARRAY_SIZE(signals); i++) {
    if (strcasecmp(signals[i].name, name) == 0) {
      *signo = signals[i].signo;
      return 0;
    }
  }
  /* RTMIN+N and RTMAX-N */
  if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
    bool min = strncasecmp(name, "RTMIN", 5) == 0;
    long off = 0;
    if (name[5] != '\0') {
      off = strtol(name + 5, &end, 10);
      if (*end != '\0' || (min && off < 0) || (!min && off > 0) || off > 64 || off < -64)
        return hk_error_plain(err, EINVAL, "unknown signal \"%s\"", s);
    }
    n = (min ? SIGRTMIN : SIGRTMAX) + off;
    if (n >= SIGRTMIN && n <= SIGRTMAX) {
      *signo = n;
      return 0;
    }
  }
  return hk_error_plain(err, EINVAL, "unknown signal \"%s\"", s);
}
