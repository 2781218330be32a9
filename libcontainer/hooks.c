/* Hook execution; see hooks.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "fault.h"
#include "hooks.h"
#include "log.h"
#include "selfexe.h"
#include "utils.h"

#define HOOK_OUTPUT_MAX 2048

/* A hook dies with whoever runs it: when husk (or init) is killed, no hook
 * keeps working for a container that will never exist. */
static void __attribute__((noreturn)) hook_child(const struct hk_hook *h, int in, int out,
                                                 pid_t parent, bool in_container)
{
  char *const *argv = h->args.v ? h->args.v : (char *[]){(char *)h->path, NULL};
  char *const *envp = h->env.v ? h->env.v : (char *[]){NULL};
  sigset_t none;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
    _exit(127);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(127);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* A hook in the container execs as the container's process does. */
  if (in_container) {
    struct hk_selfexe_exec x;
    hk_selfexe_prepare(&x, '-', -1, NULL, 3, h->path, argv, envp, false);
    hk_selfexe_exec(&x);
  } else {
    execve(h->path, argv, envp);
  }
  _exit(127);
}

static long ms_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Feed the state, collect output, wait (with the timeout). */
static int hook_wait(pid_t pid, int pidfd, int in, int out, const char *json, const struct hk_hook *h,
                     char *output, int *status)
{
  size_t have = 0, json_len = strlen(json), sent = 0;
  struct timespec t0;
  bool timed_out = false;

  /* A hook may exit without reading its stdin: that is EPIPE, not a
   * reason for husk to die of SIGPIPE. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;

  sigaction(SIGPIPE, &ign, &old_pipe);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  fcntl(in, F_SETFL, O_NONBLOCK);
  for (;;) {
    struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN},
                          {.fd = out, .events = POLLIN},
                          {.fd = sent < json_len ? in : -1, .events = POLLOUT}};
    int timeout = h->has_timeout ? (int)(h->timeout * 1000L - ms_since(&t0)) : -1;
    if (h->has_timeout && timeout <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(p, 3, timeout) < 0 && errno != EINTR)
      break;
    if (p[2].revents) {
      ssize_t n = write(in, json + sent, json_len - sent);
      if (n > 0)
        sent += n;
      if (n < 0 && errno != EAGAIN)
        sent = json_len; /* the hook closed its stdin: fine */
      if (sent >= json_len && in >= 0) {
        close(in);
        in = -1;
      }
    }
    if (p[1].revents) {
      char buf[512];
      ssize_t n = read(out, buf, sizeof(buf));
      if (n > 0) /* surely running now */
        HK_FAULT("hook-running");
      if (n > 0 && have < HOOK_OUTPUT_MAX - 1) {
        size_t take = (size_t)n < HOOK_OUTPUT_MAX - 1 - have ? (size_t)n : HOOK_OUTPUT_MAX - 1 - have;
        memcpy(output + have, buf, take);
        have += take;
      }
      if (n == 0)
        out = -1;
    }
    if (p[0].revents & POLLIN)
      break;
  }
  if (in >= 0)
    close(in);
  sigaction(SIGPIPE, &old_pipe, NULL);
  output[have] = '\0';
  while (waitpid(pid, status, 0) < 0 && errno == EINTR)
    ;
  return timed_out ? -1 : 0;
}

static int run_one(const struct hk_hook *h, const char *name, size_t i, const char *json,
                   hk_error_t **err)
{
  int inp[2], outp[2], status = 0, pidfd;
  char output[HOOK_OUTPUT_MAX];
  pid_t pid, parent;

  if (h->path == NULL || h->path[0] != '/')
    return hk_error_plain(err, EINVAL, "hooks.%s[%zu].path: must be an absolute path", name, i);
  if (pipe2(inp, O_CLOEXEC) < 0)
    return hk_error_make(err, errno, "hooks.%s[%zu]: pipe", name, i);
  if (pipe2(outp, O_CLOEXEC) < 0) {
    close(inp[0]);
    close(inp[1]);
    return hk_error_make(err, errno, "hooks.%s[%zu]: pipe", name, i);
  }
  parent = getpid();
  pid = fork();
  if (pid == 0)
    hook_child(h, inp[0], outp[1], parent, strcmp(name, "startContainer") == 0);
  close(inp[0]);
  close(outp[1]);
  if (pid < 0) {
    close(inp[1]);
    close(outp[0]);
    return hk_error_make(err, errno, "hooks.%s[%zu]: fork", name, i);
  }
  pidfd = syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) { /* else hook_wait polls nothing, forever, once the pipes close */
    int e = errno;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(inp[1]);
    close(outp[0]);
    return hk_error_make(err, e, "hooks.%s[%zu]: pidfd_open", name, i);
  }
  if (hook_wait(pid, pidfd, inp[1], outp[0], json, h, output, &status) < 0) {
    close(pidfd);
    close(outp[0]);
    return hk_error_plain(err, ETIMEDOUT, "hooks.%s[%zu]: `%s` timed out after %d s", name, i,
                          h->path, h->timeout);
  }
  close(pidfd);
  close(outp[0]);
  /* Drop trailing newlines so the output ends the error message cleanly. */
  for (size_t n = strlen(output); n > 0 && (output[n - 1] == '\n' || output[n - 1] == '\r');)
    output[--n] = '\0';
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output[0] == '\0')
    return hk_error_plain(err, ENOENT, "hooks.%s[%zu]: cannot execute `%s`", name, i, h->path);
  if (WIFSIGNALED(status))
    return hk_error_plain(err, EIO, "hooks.%s[%zu]: `%s` killed by signal %d%s%s", name, i,
                          h->path, WTERMSIG(status), output[0] ? ": " : "", output);
  return hk_error_plain(err, EIO, "hooks.%s[%zu]: `%s` exited with status %d%s%s", name, i,
                        h->path, WEXITSTATUS(status), output[0] ? ": " : "", output);
}

void hk_hooks_state_view(struct hk_state *s, const struct hk_spec *spec, const char *id,
                         const char *bundle, int pid, const char *status)
{
  memset(s, 0, sizeof(*s));
  s->oci_version = (char *)(spec->oci_version ? spec->oci_version : HK_OCI_VERSION);
  s->id = (char *)id;
  s->status = (char *)status;
  s->pid = pid;
  s->bundle = (char *)bundle;
  s->annotations = spec->annotations;
}

int hk_hooks_run(const struct hk_hook_list *hooks, const char *name, const struct hk_state *state,
                 bool warn_only, hk_error_t **err)
{
  _cleanup_free_ char *json = NULL;
  size_t len;

  if (hooks->len == 0)
    return 0;
  if (hk_state_to_json(state, false, false, &json, &len, err) < 0)
    return -1;
  for (size_t i = 0; i < hooks->len; i++) {
    hk_error_t *e = NULL;
    if (run_one(&hooks->items[i], name, i, json, &e) == 0)
      continue;
    if (!warn_only) {
      *err = e;
      return -1;
    }
    hk_warn("%s", e->msg);
    hk_error_free(e);
  }
  return 0;
}
