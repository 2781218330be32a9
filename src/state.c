/* husk state */
#include "config.h"

#include <stdlib.h>

#include "husk.h"
#include "libcontainer/container.h"
#include "libcontainer/utils.h"

static const char usage[] = "Usage: husk state ID\n"
                            "\n"
                            "Print the OCI state of a container as JSON.\n";

int husk_simple_args(const char *cmd, const char *help, int argc, char **argv, const char **id);

int husk_cmd_state(struct husk_global *g, int argc, char **argv)
{
  const char *id;
  hk_error_t *err = NULL;
  struct hk_state *s = NULL;
  _cleanup_free_ char *json = NULL;
  size_t len;
  int r = husk_simple_args("state", usage, argc, argv, &id);

  if (r != 0)
    return r == -2 ? 0 : r;
  if (hk_container_state(g->root, id, &s, &err) < 0)
    return husk_fail(err);
  r = hk_state_to_json(s, false, true, &json, &len, &err);
  hk_state_free(s);
  if (r < 0)
    return husk_fail(err);
  husk_print(json, len); /* ends with a newline */
  return 0;
}
