/* rtnetlink through libmnl: loopback up, linux.netDevices in and out of
 * the container's network namespace.  See network.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "network.h"
#include "state.h"
#include "utils.h"

#define RECORD "netdevices.record"
#define NL_BUF 32768 /* a dump part of the kernel's largest size */
#define NL_ACK_BUF 2048 /* an ACK: nlmsgerr, our request (< 512), extack text */

/* ---- rtnetlink plumbing ---- */

struct nl {
  struct mnl_socket *sock;
  unsigned int portid, seq;
};

static void nl_close(struct nl *n)
{
  if (n->sock)
    mnl_socket_close(n->sock);
  n->sock = NULL;
}

static int nl_open(struct nl *n, hk_error_t **err)
{
  n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (n->sock == NULL)
    return hk_error_make(err, errno, "open a netlink socket");
  if (mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    nl_close(n);
    return hk_error_make(err, e, "bind a netlink socket");
  }
  n->portid = mnl_socket_get_portid(n->sock);
  n->seq = (unsigned int)time(NULL);
  return 0;
}

/* A socket talks to the namespace it was made in: make it in nsfd's. */
static int nl_open_in(struct nl *n, int nsfd, hk_error_t **err)
{
  _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int r;

  if (self < 0)
    return hk_error_make(err, errno, "open /proc/self/ns/net");
  if (setns(nsfd, CLONE_NEWNET) < 0)
    return hk_error_make(err, errno, "enter the container's network namespace");
  r = nl_open(n, err);
  if (setns(self, CLONE_NEWNET) < 0) {
    nl_close(n);
    return hk_error_make(err, errno, "return to husk's network namespace");
  }
  return r;
}

/* Send one request; its answers (a reply, dump parts) go to cb; ends at the
 * ACK (asked for by every request but dumps) or NLMSG_DONE.  -1 with errno
 * on failure. */
static int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
  /* A request that changes something (RTM_NEW*, DEL*, SET*; GET* are
   * type % 4 == 2) gets only an ACK, the request echoed: a buffer on the
   * stack holds it.  Init brings lo up once it is in the container's
   * cgroup, where 32 KiB taken from the heap would have the page past them
   * charged to the container (malloc writes the rest's header there).
   * Not zeroed: the kernel fills what it sends and only that is read. */
  char ack[NL_ACK_BUF];
  bool get = (nlh->nlmsg_type & 3) == 2;
  _cleanup_free_ char *big = get ? hk_xrealloc(NULL, NL_BUF) : NULL;
  char *buf = big ? big : ack;
  size_t size = big ? NL_BUF : sizeof(ack);
  unsigned int seq = ++n->seq;

  nlh->nlmsg_seq = seq;
  if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
    return -1;
  for (;;) {
    ssize_t len = mnl_socket_recvfrom(n->sock, buf, size);
    int r;
    if (len < 0)
      return -1;
    r = mnl_cb_run(buf, len, seq, n->portid, cb, data);
    if (r <= MNL_CB_STOP)
      return r < 0 ? -1 : 0;
  }
}

static struct nlmsghdr *nl_request(char *buf, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags | (flags == NLM_F_DUMP ? 0 : NLM_F_ACK);
  return nlh;
}

struct link {
  int index;
  unsigned int flags;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
  const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
  struct link *l = data;

  if (nlh->nlmsg_type == RTM_NEWLINK) {
    l->index = ifm->ifi_index;
    l->flags = ifm->ifi_flags;
  }
  return MNL_CB_OK;
}

static int get_link(struct nl *n, const char *name, struct link *l)
{
  char buf[512];
  struct nlmsghdr *nlh = nl_request(buf, RTM_GETLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  l->index = 0;
  if (nl_talk(n, nlh, link_cb, l) < 0)
    return -1;
  if (l->index <= 0) {
    errno = ENODEV;
    return -1;
  }
  return 0;
}

/* RTM_NEWLINK on an existing device: rename (name), move (nsfd >= 0),
 * up/down (up >= 0).  With index 0, the device is found by name. */
static int set_link(struct nl *n, int index, const char *name, int nsfd, int up)
{
  char buf[512];
  struct nlmsghdr *nlh = nl_request(buf, RTM_NEWLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = index;
  if (up >= 0) {
    ifm->ifi_change = IFF_UP;
    ifm->ifi_flags = up ? IFF_UP : 0;
  }
  if (name)
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  if (nsfd >= 0)
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, nsfd);
  return nl_talk(n, nlh, NULL, NULL);
}

/* One address to carry over; addresses in network byte order. */
struct addr {
  int family, prefixlen;
  bool has_local, has_address, has_broadcast;
  unsigned char local[16], address[16], broadcast[16];
};

struct addr_list {
  int index;
  struct addr *v;
  size_t n;
};

static size_t addr_len(int family)
{
  return family == AF_INET ? 4 : 16;
}

static void copy_attr(const struct nlattr *a, int family, bool *has, unsigned char *dst)
{
  if (a && mnl_attr_get_payload_len(a) == addr_len(family)) {
    memcpy(dst, mnl_attr_get_payload(a), addr_len(family));
    *has = true;
  }
}

static int addr_attr_cb(const struct nlattr *a, void *data)
{
  const struct nlattr **tb = data;
  int type = mnl_attr_get_type(a);

  if (mnl_attr_type_valid(a, IFA_MAX) > 0)
    tb[type] = a;
  return MNL_CB_OK;
}

/* Only permanent addresses of global scope move, as runc does: others are
 * made by the kernel, or only mean something where they were. */
static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
  const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
  const struct nlattr *tb[IFA_MAX + 1] = {0};
  struct addr_list *l = data;
  unsigned int flags = ifa->ifa_flags;
  struct addr a = {.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen};

  if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != l->index)
    return MNL_CB_OK;
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
    return MNL_CB_OK;
  mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
  if (tb[IFA_FLAGS])
    flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
  if (!(flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
    return MNL_CB_OK;
  copy_attr(tb[IFA_LOCAL], a.family, &a.has_local, a.local);
  copy_attr(tb[IFA_ADDRESS], a.family, &a.has_address, a.address);
  copy_attr(tb[IFA_BROADCAST], a.family, &a.has_broadcast, a.broadcast);
  if (!a.has_local && !a.has_address)
    return MNL_CB_OK;
  l->v = hk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
  l->v[l->n++] = a;
  return MNL_CB_OK;
}

static int get_addrs(struct nl *n, int index, struct addr_list *l)
{
  for (int tries = 0;; tries++) {
    char buf[512];
    struct nlmsghdr *nlh = nl_request(buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

    ifa->ifa_family = AF_UNSPEC;
    l->index = index;
    l->n = 0;
    if (nl_talk(n, nlh, addr_cb, l) == 0)
      return 0;
    if (errno != EINTR || tries == 3) /* EINTR: the dump changed under us */
      return -1;
  }
}

static int add_addr(struct nl *n, int index, const struct addr *a)
{
  char buf[512];
  struct nlmsghdr *nlh = nl_request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
  size_t len = addr_len(a->family);

  ifa->ifa_family = a->family;
  ifa->ifa_prefixlen = a->prefixlen;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = index;
  if (a->has_local)
    mnl_attr_put(nlh, IFA_LOCAL, len, a->local);
  if (a->has_address)
    mnl_attr_put(nlh, IFA_ADDRESS, len, a->address);
  if (a->has_broadcast)
    mnl_attr_put(nlh, IFA_BROADCAST, len, a->broadcast);
  if (nl_talk(n, nlh, NULL, NULL) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

static const char *addr_text(const struct addr *a, char *buf, size_t size)
{
  const unsigned char *p = a->has_local ? a->local : a->address;
  if (inet_ntop(a->family, p, buf, size) == NULL)
    snprintf(buf, size, "?");
  return buf;
}

/* ---- loopback ---- */

int hk_net_loopback_up(hk_error_t **err)
{
  struct nl n = {0};
  int r;

  if (nl_open(&n, err) < 0)
    return -1;
  r = set_link(&n, 0, "lo", -1, 1);
  if (r < 0)
    r = hk_error_make(err, errno, "set the loopback device up");
  nl_close(&n);
  return r;
}

/* ---- checks ---- */

static bool valid_ifname(const char *s)
{
  if (s == NULL || s[0] == '\0' || strlen(s) >= IFNAMSIZ || strcmp(s, ".") == 0 ||
      strcmp(s, "..") == 0)
    return false;
  for (; *s; s++)
    if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
      return false;
  return true;
}

static const char *ctr_name(const struct hk_net_device *d)
{
  return d->name && d->name[0] ? d->name : d->host_name;
}

static int check_namespace(const struct hk_ns_plan *plan, hk_error_t **err)
{
  const char *path = plan->join_path[hk_ns_index(CLONE_NEWNET)];
  struct stat a, b;

  if (plan->new_flags & CLONE_NEWNET)
    return 0;
  if (!(plan->join_flags & CLONE_NEWNET))
    return hk_error_plain(err, EINVAL,
                          "linux.netDevices: the container needs a network namespace of its own "
                          "(add {\"type\": \"network\"} to linux.namespaces)");
  if (strchr(path, '\n'))
    return hk_error_plain(err, EINVAL, "linux.namespaces: network path: newline in `%s`", path);
  if (stat(path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return hk_error_plain(err, EINVAL,
                          "linux.netDevices: the network namespace `%s` is husk's own: the "
                          "devices would not move",
                          path);
  return 0;
}

int hk_net_devices_check(const struct hk_linux *lx, const struct hk_ns_plan *plan, hk_error_t **err)
{
  struct nl n = {0};
  int r = 0;

  if (lx == NULL || lx->net_devices_len == 0)
    return 0;
  if (check_namespace(plan, err) < 0)
    return -1;
  for (size_t i = 0; i < lx->net_devices_len; i++) {
    const struct hk_net_device *d = &lx->net_devices[i];
    if (!valid_ifname(d->host_name))
      return hk_error_plain(err, EINVAL,
                            "linux.netDevices: \"%s\" is not a valid interface name (1 to %d "
                            "bytes, not \".\" or \"..\", no '/', ':' or white space)",
                            d->host_name, IFNAMSIZ - 1);
    if (d->name && d->name[0] && !valid_ifname(d->name))
      return hk_error_plain(err, EINVAL,
                            "linux.netDevices[\"%s\"].name: \"%s\" is not a valid interface name "
                            "(1 to %d bytes, not \".\" or \"..\", no '/', ':' or white space)",
                            d->host_name, d->name, IFNAMSIZ - 1);
    for (size_t j = 0; j < i; j++) {
      if (strcmp(lx->net_devices[j].host_name, d->host_name) == 0)
        return hk_error_plain(err, EINVAL, "linux.netDevices: \"%s\" is listed twice",
                              d->host_name);
      if (strcmp(ctr_name(&lx->net_devices[j]), ctr_name(d)) == 0)
        return hk_error_plain(err, EINVAL,
                              "linux.netDevices[\"%s\"]: \"%s\" and \"%s\" would both be called "
                              "\"%s\" in the container",
                              d->host_name, lx->net_devices[j].host_name, d->host_name,
                              ctr_name(d));
    }
  }
  if (nl_open(&n, err) < 0)
    return -1;
  for (size_t i = 0; r == 0 && i < lx->net_devices_len; i++) {
    struct link l;
    if (get_link(&n, lx->net_devices[i].host_name, &l) < 0)
      r = errno == ENODEV ? hk_error_plain(err, ENODEV,
                                           "linux.netDevices[\"%s\"]: no such network interface "
                                           "on the host",
                                           lx->net_devices[i].host_name)
                          : hk_error_make(err, errno, "linux.netDevices[\"%s\"]: look it up",
                                          lx->net_devices[i].host_name);
  }
  nl_close(&n);
  return r;
}

/* ---- the record ---- */

static void record_device(FILE *f, const char *host, const char *ctr, bool up,
                          const struct addr_list *al)
{
  fprintf(f, "dev %s %s %d\n", host, ctr, up ? 1 : 0);
  for (size_t i = 0; i < al->n; i++) {
    const struct addr *a = &al->v[i];
    char l[INET6_ADDRSTRLEN] = "-", p[INET6_ADDRSTRLEN] = "-", b[INET6_ADDRSTRLEN] = "-";
    if (a->has_local)
      inet_ntop(a->family, a->local, l, sizeof(l));
    if (a->has_address)
      inet_ntop(a->family, a->address, p, sizeof(p));
    if (a->has_broadcast)
      inet_ntop(a->family, a->broadcast, b, sizeof(b));
    fprintf(f, "addr %d %d %s %s %s\n", a->family == AF_INET ? 4 : 6, a->prefixlen, l, p, b);
  }
}

struct rec_dev {
  char host[IFNAMSIZ], ctr[IFNAMSIZ];
  bool up;
  struct addr_list addrs;
};

struct record {
  char *netns; /* joined namespace path, or NULL */
  struct rec_dev *devs;
  size_t n;
};

static void record_free(struct record *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->devs[i].addrs.v);
  free(r->devs);
  free(r->netns);
}

static bool parse_ip(int family, const char *s, bool *has, unsigned char *dst)
{
  if (strcmp(s, "-") == 0)
    return true;
  *has = inet_pton(family, s, dst) == 1;
  return *has;
}

static int parse_record(char *text, struct record *r, hk_error_t **err)
{
  char *save = NULL;

  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char host[IFNAMSIZ + 1], ctr[IFNAMSIZ + 1], l[64], p[64], b[64];
    int up, fam, plen;

    if (strncmp(line, "netns /", 7) == 0) {
      free(r->netns);
      r->netns = hk_xstrdup(line + 6);
    } else if (sscanf(line, "dev %16s %16s %d", host, ctr, &up) == 3 && valid_ifname(host) &&
               valid_ifname(ctr)) {
      r->devs = hk_xrealloc(r->devs, (r->n + 1) * sizeof(*r->devs));
      memset(&r->devs[r->n], 0, sizeof(*r->devs));
      strcpy(r->devs[r->n].host, host);
      strcpy(r->devs[r->n].ctr, ctr);
      r->devs[r->n++].up = up == 1;
    } else if (sscanf(line, "addr %d %d %63s %63s %63s", &fam, &plen, l, p, b) == 5 && r->n &&
               (fam == 4 || fam == 6) && plen >= 0 && plen <= (fam == 4 ? 32 : 128)) {
      struct addr_list *al = &r->devs[r->n - 1].addrs;
      struct addr a = {.family = fam == 4 ? AF_INET : AF_INET6, .prefixlen = plen};
      if (!parse_ip(a.family, l, &a.has_local, a.local) ||
          !parse_ip(a.family, p, &a.has_address, a.address) ||
          !parse_ip(a.family, b, &a.has_broadcast, a.broadcast))
        return hk_error_plain(err, EINVAL, "%s: bad address line \"%s\"", RECORD, line);
      al->v = hk_xrealloc(al->v, (al->n + 1) * sizeof(*al->v));
      al->v[al->n++] = a;
    } else {
      return hk_error_plain(err, EINVAL, "%s: bad line \"%s\"", RECORD, line);
    }
  }
  return 0;
}

/* ---- moving ---- */

static int attach_one(struct nl *host, struct nl *ctr, int nsfd, const struct hk_net_device *d,
                      FILE *rec, int dirfd, char **text, size_t *len, hk_error_t **err)
{
  const char *name = ctr_name(d);
  struct addr_list al = {0};
  struct link l, cl;
  int r = -1;

  if (get_link(host, d->host_name, &l) < 0) {
    hk_error_make(err, errno, "linux.netDevices[\"%s\"]: look it up on the host", d->host_name);
    goto out;
  }
  if (get_addrs(host, l.index, &al) < 0) {
    hk_error_make(err, errno, "linux.netDevices[\"%s\"]: read its addresses", d->host_name);
    goto out;
  }
  /* Renamed in the same message, so its name never clashes on the way. */
  if (set_link(host, l.index, name, nsfd, -1) < 0) {
    hk_error_make(err, errno,
                  "linux.netDevices[\"%s\"]: move it into the container's network namespace as "
                  "\"%s\"",
                  d->host_name, name);
    goto out;
  }
  record_device(rec, d->host_name, name, l.flags & IFF_UP, &al);
  fflush(rec);
  if (hk_write_file_atomic(dirfd, RECORD, *text, *len, 0600, err) < 0)
    goto out;
  if (get_link(ctr, name, &cl) < 0) {
    hk_error_make(err, errno, "linux.netDevices[\"%s\"]: find \"%s\" in the container",
                  d->host_name, name);
    goto out;
  }
  for (size_t i = 0; i < al.n; i++) {
    char ip[INET6_ADDRSTRLEN];
    if (add_addr(ctr, cl.index, &al.v[i]) < 0) {
      hk_error_make(err, errno, "linux.netDevices[\"%s\"]: add address %s/%d", d->host_name,
                    addr_text(&al.v[i], ip, sizeof(ip)), al.v[i].prefixlen);
      goto out;
    }
  }
  if (set_link(ctr, cl.index, NULL, -1, 1) < 0) {
    hk_error_make(err, errno, "linux.netDevices[\"%s\"]: set \"%s\" up", d->host_name, name);
    goto out;
  }
  hk_debug("netDevices: %s moved in as %s with %zu address(es)", d->host_name, name, al.n);
  r = 0;
out:
  free(al.v);
  return r;
}

int hk_net_devices_attach(const struct hk_linux *lx, int state_dirfd, pid_t init,
                          const char *joined_path, int *netns_fd, hk_error_t **err)
{
  char path[64];
  int nsfd;
  _cleanup_free_ char *text = NULL;
  struct nl host = {0}, ctr = {0};
  size_t len = 0;
  FILE *rec;
  int r = 0;

  if (lx == NULL || lx->net_devices_len == 0)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
  nsfd = *netns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return hk_error_make(err, errno, "linux.netDevices: open `%s`", path);
  if (nl_open(&host, err) < 0)
    return -1;
  if (nl_open_in(&ctr, nsfd, err) < 0) {
    nl_close(&host);
    return -1;
  }
  rec = open_memstream(&text, &len);
  if (rec == NULL)
    abort();
  if (joined_path)
    fprintf(rec, "netns %s\n", joined_path);
  for (size_t i = 0; r == 0 && i < lx->net_devices_len; i++)
    r = attach_one(&host, &ctr, nsfd, &lx->net_devices[i], rec, state_dirfd, &text, &len, err);
  fclose(rec);
  nl_close(&host);
  nl_close(&ctr);
  return r;
}

static int return_one(struct nl *host, struct nl *ctr, int hostns, const struct rec_dev *d,
                      hk_error_t **err)
{
  struct link l;

  if (get_link(ctr, d->ctr, &l) < 0) {
    hk_debug("netDevices: \"%s\" is no longer in the container", d->ctr);
    return 0;
  }
  /* Down first, so it never carries traffic on the host unasked. */
  if (set_link(ctr, l.index, NULL, -1, 0) < 0 || set_link(ctr, l.index, d->host, hostns, -1) < 0)
    return hk_error_make(err, errno, "linux.netDevices[\"%s\"]: move \"%s\" back to the host",
                         d->host, d->ctr);
  if (get_link(host, d->host, &l) < 0)
    return hk_error_make(err, errno, "linux.netDevices[\"%s\"]: find it on the host", d->host);
  for (size_t i = 0; i < d->addrs.n; i++) {
    char ip[INET6_ADDRSTRLEN];
    if (add_addr(host, l.index, &d->addrs.v[i]) < 0)
      return hk_error_make(err, errno, "linux.netDevices[\"%s\"]: restore address %s/%d", d->host,
                           addr_text(&d->addrs.v[i], ip, sizeof(ip)), d->addrs.v[i].prefixlen);
  }
  if (d->up && set_link(host, l.index, NULL, -1, 1) < 0)
    return hk_error_make(err, errno, "linux.netDevices[\"%s\"]: set it up", d->host);
  hk_debug("netDevices: %s returned to the host", d->host);
  return 0;
}

/* The container's network namespace, if it still exists. */
static int open_container_ns(int netns_fd, pid_t pid, uint64_t start_time, const char *joined)
{
  int fd = -1;

  if (netns_fd >= 0)
    return fcntl(netns_fd, F_DUPFD_CLOEXEC, 3);
  if (pid > 0) {
    char path[64];
    uint64_t st;
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    /* Opened first, checked second: the PID was not reused meanwhile. */
    if (fd >= 0 && start_time && (hk_proc_start_time(pid, &st, NULL) < 0 || st != start_time)) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0 && joined)
    fd = open(joined, O_RDONLY | O_CLOEXEC);
  return fd;
}

int hk_net_devices_return(int state_dirfd, int netns_fd, pid_t pid, uint64_t start_time,
                          hk_error_t **err)
{
  _cleanup_close_ int fd = openat(state_dirfd, RECORD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_close_ int nsfd = -1, hostns = -1;
  _cleanup_free_ char *text = NULL;
  struct record rec = {0};
  struct nl host = {0}, ctr = {0};
  size_t len;
  int r = 0;

  if (fd < 0)
    return errno == ENOENT ? 0 : hk_error_make(err, errno, "open `%s`", RECORD);
  if (hk_read_fd(fd, RECORD, 1 << 20, &text, &len, err) < 0)
    return -1;
  if (parse_record(text, &rec, err) < 0) {
    r = -1;
    goto out;
  }
  nsfd = open_container_ns(netns_fd, pid, start_time, rec.netns);
  if (nsfd < 0) {
    hk_debug("netDevices: the container's network namespace is gone, and its devices with it");
    goto out;
  }
  hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (hostns < 0) {
    r = hk_error_make(err, errno, "open /proc/self/ns/net");
    goto out;
  }
  if (nl_open(&host, err) < 0 || nl_open_in(&ctr, nsfd, err) < 0) {
    r = -1;
    goto out;
  }
  for (size_t i = 0; i < rec.n; i++)
    if (return_one(&host, &ctr, hostns, &rec.devs[i], r < 0 ? NULL : err) < 0)
      r = -1;
out:
  nl_close(&host);
  nl_close(&ctr);
  record_free(&rec);
  if (r == 0 && unlinkat(state_dirfd, RECORD, 0) < 0 && errno != ENOENT)
    r = hk_error_make(err, errno, "remove `%s`", RECORD);
  return r;
}
