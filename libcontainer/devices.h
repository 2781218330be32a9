/* /dev inside the container: the default nodes and links, and
 * linux.devices.  In a user namespace, where mknod is refused, the host's
 * node is bind-mounted instead. */
#ifndef HK_DEVICES_H
#define HK_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

/* with_defaults: /dev is a fresh filesystem (not a bind of the host's), so
 * the default devices and links are made too. */
int hk_devices_setup(int rootfd, const struct hk_spec *spec, bool with_defaults, bool in_userns,
                     hk_error_t **err);

#endif
