/* husk spec */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "husk.h"
#include "libcontainer/utils.h"
#include "oci-specs/spec.h"

static const char usage[] =
    "Usage: husk spec [OPTIONS]\n"
    "\n"
    "Write a default config.json (runtime-spec " HK_OCI_VERSION ") into the bundle.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR   where to write config.json (default: the current directory)\n"
    "  --rootless         a config for a container run by an unprivileged user\n"
    "  -h, --help         print this help\n";

int husk_cmd_spec(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", no_argument, NULL, 'r'},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  const char *bundle = ".";
  bool rootless = false;
  hk_error_t *err = NULL;
  _cleanup_free_ char *json = NULL, *path = NULL;
  _cleanup_close_ int fd = -1;
  size_t len;
  int c;

  (void)g;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      bundle = optarg;
      break;
    case 'r':
      rootless = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("spec", argv);
    }
  }
  if (optind != argc)
    return husk_usage_error("spec", "unexpected argument \"%s\"", argv[optind]);
  if (hk_spec_default_json(rootless, &json, &len, &err) < 0)
    return husk_fail(err);
  path = hk_xasprintf("%s/config.json", bundle);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      hk_error_plain(&err, EEXIST, "`%s` exists: remove it first", path);
    else
      hk_error_make(&err, errno, "create `%s`", path);
    return husk_fail(err);
  }
  if (hk_write_all(fd, json, len) < 0) {
    hk_error_make(&err, errno, "write `%s`", path);
    unlink(path);
    return husk_fail(err);
  }
  return 0;
}
