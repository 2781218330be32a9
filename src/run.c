/* husk run */
#include "config.h"

#include "husk.h"
#include "libcontainer/container.h"

static const char usage[] =
    "Usage: husk run [OPTIONS] ID\n"
    "\n"
    "Create and start a container.  In the foreground husk forwards signals to\n"
    "the container, relays its terminal (process.terminal without\n"
    "--console-socket), waits for it, deletes it and exits with its status\n"
    "(128+N when it was killed by signal N).\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          the bundle (default: the current directory)\n"
    "  -d, --detach              return once the container runs\n"
    "  --pid-file FILE           write the init's PID to FILE\n"
    "  --console-socket SOCKET   send the terminal's master fd to this unix socket\n"
    "  --no-pivot                MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring          keep the caller's session keyring\n"
    "  --preserve-fds N          pass N file descriptors after stdio to the process\n"
    "  --keep                    keep the container's state after it exits\n"
    "  --overlay[=DIR]           layer the rootfs: writes go to DIR, or to memory\n"
    "                            and are thrown away (the bundle is never changed)\n"
    "  --layer DIR               a read-only layer above the rootfs (repeatable,\n"
    "                            the first one on top)\n"
    "  -h, --help                print this help\n";

int husk_parse_create(const char *cmd, const char *help, bool is_run, int argc, char **argv,
                      struct hk_create_opts *o);
void husk_create_opts_free(struct hk_create_opts *o);

int husk_cmd_run(struct husk_global *g, int argc, char **argv)
{
  struct hk_create_opts o = {
      .root = g->root, .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup};
  hk_error_t *err = NULL;
  int status = 0;
  int r = husk_parse_create("run", usage, true, argc, argv, &o);

  if (r != 0) {
    husk_create_opts_free(&o);
    return r == -2 ? 0 : r;
  }
  if (hk_container_run(&o, &status, &err) < 0) {
    husk_fail(err);
    status = status ? status : 1;
  }
  husk_create_opts_free(&o);
  return status;
}
