/* Container networking through rtnetlink: the loopback device of
 * a new network namespace, and linux.netDevices, host interfaces moved into
 * the container's network namespace and back.
 *
 * husk (in the host's network namespace) moves each device with
 * RTM_NEWLINK + IFLA_NET_NS_FD, renamed in the same message, after reading
 * its permanent global addresses, which the move drops: it adds them again
 * inside and sets the device up, as runc does.  What was moved is recorded
 * in <root>/<id>/netdevices.record (with the addresses it had on the host,
 * never anything read back from the container), so that `delete`, even
 * `delete --force` after a crash, can move each device back under its host
 * name with its addresses, down first, while the namespace still exists.
 * Once a new network namespace is gone, the kernel has already returned
 * physical devices to the initial namespace and destroyed virtual ones
 * (veth, macvlan...). */
#ifndef HK_NETWORK_H
#define HK_NETWORK_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "namespaces.h"
#include "oci-specs/spec.h"

/* In init, inside its new network namespace: bring `lo` up. */
int hk_net_loopback_up(hk_error_t **err);

/* Before spawning: names valid (at most IFNAMSIZ-1 bytes, not "." or "..",
 * no '/', ':' or white space), container names unique, each device present
 * on the host, and a network namespace of the container's own. */
int hk_net_devices_check(const struct hk_linux *lx, const struct hk_ns_plan *plan,
                         hk_error_t **err);

/* Move linux.netDevices into the network namespace of `init` (which
 * exists), recording each in the state directory.  `joined_path`: the
 * namespace's path when the config joins one, else NULL.  *netns_fd gets
 * that namespace (or -1), for the caller to hold until create is done: if
 * init dies, the namespace and a veth in it survive until moved back. */
int hk_net_devices_attach(const struct hk_linux *lx, int state_dirfd, pid_t init,
                          const char *joined_path, int *netns_fd, hk_error_t **err);

/* Move back what the record in the state directory lists, out of netns_fd
 * if >= 0, else out of the network namespace of `pid` (0: gone;
 * start_time 0: not checked), else out of the recorded joined namespace;
 * then forget the record. */
int hk_net_devices_return(int state_dirfd, int netns_fd, pid_t pid, uint64_t start_time,
                          hk_error_t **err);

#endif
