/* fakeqemu: stands for the programs that husk-vm-shim runs, so that
 * vm-shim.bats can test the shim without booting anything.  What it is
 * depends on how it is called:
 *   husk-vm-prepare HUSK SHIM      (two arguments)  prints "kernel" and
 *                                  "initrd" lines; FAKE_PREPARE=hang waits
 *                                  forever, with a child
 *   virtiofsd --fd=N ...           waits forever
 *   QEMU's KVM probe (-serial stdio) exits at once: no banner, no KVM
 *   QEMU                           FAKE_QEMU=exit: exits 1; =hang: waits
 *                                  forever; =guest: answers the job with
 *                                  "created", serves QMP on qmp.sock, and at
 *                                  "start" (or the first "signal" with
 *                                  FAKE_EXIT=signal) says "exit 7" after
 *                                  another message, and exits at once
 * Each one writes the descriptors it has open to $FAKE_DIR/fds.ROLE, its
 * arguments to $FAKE_DIR/args.ROLE (one per line) and its PID to
 * $FAKE_DIR/pid.ROLE.  FAKE_QMP=error makes
 * every command after qmp_capabilities answer an event, then an error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static void record(const char *role, int argc, char **argv)
{
  char path[4096];
  FILE *f;
  DIR *d;
  struct dirent *de;

  snprintf(path, sizeof(path), "%s/args.%s", dir, role);
  if ((f = fopen(path, "we"))) {
    for (int i = 0; i < argc; i++)
      fprintf(f, "%s\n", argv[i]);
    fclose(f);
  }
  snprintf(path, sizeof(path), "%s/pid.%s", dir, role);
  if ((f = fopen(path, "we"))) {
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
  }
  snprintf(path, sizeof(path), "%s/fds.%s.tmp", dir, role);
  d = opendir("/proc/self/fd");
  f = fopen(path, "we");
  while (d && f && (de = readdir(d)))
    if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d) && atoi(de->d_name) != fileno(f))
      fprintf(f, "%s\n", de->d_name);
  if (f)
    fclose(f);
  if (d)
    closedir(d);
  {
    char final[4096];
    snprintf(final, sizeof(final), "%s/fds.%s", dir, role);
    rename(path, final);
  }
}

/* Until virtiofsd (when there is one) has written down its descriptors,
 * before this QEMU exits and the shim kills it. */
static void wait_for_virtiofsd(int argc, char **argv)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s/fds.virtiofsd", dir);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "vhost-user-fs-device", 20) == 0)
      for (int t = 0; t < 1000 && access(path, F_OK) < 0; t++)
        usleep(10000);
}

static void hang(void)
{
  for (;;)
    pause();
}

static int prepare(char **argv)
{
  char path[4096];
  const char *mode = getenv("FAKE_PREPARE");
  int in, out;
  char buf[65536];
  ssize_t n;

  /* A copy of the husk binary it was given, to compare. */
  snprintf(path, sizeof(path), "%s/husk-copy", dir);
  in = open(argv[1], O_RDONLY | O_CLOEXEC);
  out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, n) != n)
      break;
  if (mode && strcmp(mode, "hang") == 0) {
    FILE *f;
    pid_t child = fork();
    if (child == 0)
      hang();
    snprintf(path, sizeof(path), "%s/prepare.pids", dir);
    if ((f = fopen(path, "we"))) {
      fprintf(f, "%d %d\n", (int)getpid(), (int)child);
      fclose(f);
    }
    hang();
  }
  snprintf(path, sizeof(path), "%s/kernel", dir);
  close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  printf("kernel %s\ninitrd %s\n", path, path);
  return 0;
}

/* "WORD LEN\n" and LEN bytes; returns the word's first letter, 0 at EOF. */
static int recv_msg(int fd, char *word, size_t size)
{
  char c;
  size_t n = 0, len;
  char head[64];

  while (n < sizeof(head) - 1 && read(fd, &c, 1) == 1 && c != '\n')
    head[n++] = c;
  if (n == 0)
    return 0;
  head[n] = '\0';
  if (sscanf(head, "%15s %zu", word, &len) != 2 || size < 16)
    return 0;
  while (len > 0) {
    char buf[4096];
    ssize_t r = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));
    if (r <= 0)
      return 0;
    len -= r;
  }
  return word[0];
}

static void put(int fd, const char *s)
{
  if (write(fd, s, strlen(s)) < 0)
    _exit(3);
}

/* One QMP client: greeting, capabilities, then commands. */
static void qmp_client(int c)
{
  char buf[4096];
  bool error = getenv("FAKE_QMP") && strcmp(getenv("FAKE_QMP"), "error") == 0;
  int answered = 0;
  ssize_t n;

  put(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
  while ((n = read(c, buf, sizeof(buf))) > 0) {
    if (answered++ == 0) {
      put(c, "{\"return\": {}}\r\n");
      continue;
    }
    put(c, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
    if (error)
      put(c, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"fake QMP refuses\"}}\r\n");
    else
      put(c, "{\"return\": {}}\r\n");
  }
  close(c);
}

static int guest(int ctl)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "qmp.sock"};
  const char *on = getenv("FAKE_EXIT") ? getenv("FAKE_EXIT") : "start";
  char word[16];
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  unlink("qmp.sock");
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
    return 4;
  while (recv_msg(ctl, word, sizeof(word)) && strcmp(word, "go") != 0)
    ;
  put(ctl, "created 0\n");
  for (;;) {
    struct pollfd p[2] = {{.fd = ctl, .events = POLLIN}, {.fd = l, .events = POLLIN}};
    if (poll(p, 2, -1) < 0)
      continue;
    if (p[1].revents) {
      int c = accept(l, NULL, NULL);
      if (c >= 0)
        qmp_client(c);
    }
    if (p[0].revents) {
      if (!recv_msg(ctl, word, sizeof(word)))
        return 5;
      if (strcmp(word, on) == 0) {
        /* Another message first, then the status, and gone at once: the
         * shim sees QEMU exit with the status still unread. */
        put(ctl, "noise 0\nexit 1\n7");
        _exit(0);
      }
    }
  }
}

int main(int argc, char **argv)
{
  const char *mode = getenv("FAKE_QEMU") ? getenv("FAKE_QEMU") : "exit";
  int ctl = -1;
  bool probe = false;

  dir = getenv("FAKE_DIR") ? getenv("FAKE_DIR") : "/tmp";
  if (argc == 3 && argv[1][0] != '-') {
    record("prepare", argc, argv);
    return prepare(argv);
  }
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--fd=", 5) == 0) {
      record("virtiofsd", argc, argv);
      hang();
    }
    if (strcmp(argv[i], "stdio") == 0)
      probe = true;
    if (strncmp(argv[i], "socket,id=p0,fd=", 16) == 0)
      ctl = atoi(argv[i] + 16);
  }
  if (probe) {
    record("probe", argc, argv);
    return 0;
  }
  record("qemu", argc, argv);
  wait_for_virtiofsd(argc, argv);
  if (strcmp(mode, "hang") == 0)
    hang();
  if (strcmp(mode, "guest") == 0 && ctl >= 0)
    return guest(ctl);
  return 1;
}
