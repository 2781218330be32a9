/* The JSON of `husk events` and `husk ps --format json` (oci-specs/stats.c)
 * against runc 1.1's exact layout, and Go-style durations for --interval
 * (libcontainer/events.c). */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "libcontainer/cgroups.h"
#include "libcontainer/events.h"
#include "oci-specs/stats.h"
#include "tests/unit/unit.h"

static char *event(const char *type, const struct hk_cgroup_stats *st)
{
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  CHECK(hk_event_to_json(type, "c1", st, &json, &len, &err) == 0);
  CHECK(json && strlen(json) == len);
  return json;
}

/* All zero: what runc prints for a cgroup with nothing in it, omitempty
 * fields left out, the others present. */
static void test_empty_stats(void)
{
  struct hk_cgroup_stats st = {0};
  char *json = event("stats", &st);

  CHECK_STR(json,
            "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
            "\"cpu\":{\"usage\":{\"kernel\":0,\"user\":0},\"throttling\":{}},"
            "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
            "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,"
            "\"memory_pressure\":0,\"sched_load_balance\":0,\"sched_relax_domain_level\":0},"
            "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},"
            "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},"
            "\"pids\":{},\"blkio\":{},\"hugetlb\":{},\"intel_rdt\":{},"
            "\"network_interfaces\":null}}");
  free(json);
}

static void test_full_stats(void)
{
  uint64_t percpu[] = {10, 20}, pk[] = {1, 2}, pu[] = {3, 4};
  uint16_t cpus[] = {0, 1}, mems[] = {0};
  struct hk_kv raw[] = {{(char *)"total_rss", (char *)"5"},
                        {(char *)"cache", (char *)"7"},
                        {(char *)"weird", (char *)"n/a"}, /* not a number: left out */
                        {(char *)"active_anon", (char *)"18446744073709551615"}};
  struct hk_cg_blkio_entry bytes[] = {{8, 0, "Read", 4096}, {8, 0, "Write", 0}};
  struct hk_cg_blkio_entry sectors[] = {{253, 1, "", 12}};
  struct hk_cg_hugetlb huge[] = {{"2MB", 2097152, 4194304, 1}, {"1GB", 0, 0, 0}};
  struct hk_cgroup_stats st = {
      .cpu_total = 30,
      .cpu_kernel = 5,
      .cpu_user = 25,
      .cpu_percpu = percpu,
      .cpu_percpu_len = 2,
      .cpu_percpu_kernel = pk,
      .cpu_percpu_kernel_len = 2,
      .cpu_percpu_user = pu,
      .cpu_percpu_user_len = 2,
      .throttling_periods = 9,
      .throttled_periods = 3,
      .throttled_time = 1000,
      .memory_cache = 7,
      .memory_usage = {.usage = 100, .max = 200, .limit = UINT64_MAX, .failcnt = 2},
      .memory_swap = {.usage = 100, .max = 0, .limit = 9223372036854771712ULL, .failcnt = 0},
      .memory_raw = {raw, 4},
      .pids_current = 3,
      .pids_limit = 0,
      .io_service_bytes = {bytes, 2},
      .sectors = {sectors, 1},
      .hugetlb = huge,
      .hugetlb_len = 2,
      .cpuset = {.cpus = cpus, .cpus_len = 2, .mems = mems, .mems_len = 1,
                 .sched_load_balance = 1, .sched_relax_domain_level = -1},
  };
  char *json = event("stats", &st);

  CHECK_STR(json,
            "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
            "\"cpu\":{\"usage\":{\"total\":30,\"percpu\":[10,20],\"percpu_kernel\":[1,2],"
            "\"percpu_user\":[3,4],\"kernel\":5,\"user\":25},"
            "\"throttling\":{\"periods\":9,\"throttledPeriods\":3,\"throttledTime\":1000}},"
            "\"cpuset\":{\"cpus\":[0,1],\"cpu_exclusive\":0,\"mems\":[0],\"mem_hardwall\":0,"
            "\"mem_exclusive\":0,\"memory_migrate\":0,\"memory_spread_page\":0,"
            "\"memory_spread_slab\":0,\"memory_pressure\":0,\"sched_load_balance\":1,"
            "\"sched_relax_domain_level\":-1},"
            "\"memory\":{\"cache\":7,"
            "\"usage\":{\"limit\":18446744073709551615,\"usage\":100,\"max\":200,\"failcnt\":2},"
            "\"swap\":{\"limit\":9223372036854771712,\"usage\":100,\"failcnt\":0},"
            "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0},"
            "\"raw\":{\"active_anon\":18446744073709551615,\"cache\":7,\"total_rss\":5}},"
            "\"pids\":{\"current\":3},"
            "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":4096},"
            "{\"major\":8,\"op\":\"Write\"}],"
            "\"sectorsRecursive\":[{\"major\":253,\"minor\":1,\"value\":12}]},"
            "\"hugetlb\":{\"1GB\":{\"failcnt\":0},"
            "\"2MB\":{\"usage\":2097152,\"max\":4194304,\"failcnt\":1}},"
            "\"intel_rdt\":{},\"network_interfaces\":null}}");
  free(json);
}

static void test_oom_event(void)
{
  char *json = event("oom", NULL);
  CHECK_STR(json, "{\"type\":\"oom\",\"id\":\"c1\"}");
  free(json);
}

static void test_pids(void)
{
  pid_t pids[] = {1, 42, 4194304};
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len;

  CHECK(hk_pids_to_json(pids, 3, &json, &len, &err) == 0);
  CHECK_STR(json, "[1,42,4194304]");
  free(json);
  CHECK(hk_pids_to_json(NULL, 0, &json, &len, &err) == 0);
  CHECK_STR(json, "[]");
  free(json);
}

static void duration_ok(const char *s, int64_t want)
{
  hk_error_t *err = NULL;
  int64_t ns = -12345;

  if (hk_duration_parse(s, &ns, &err) < 0) {
    fprintf(stderr, "# \"%s\": %s\n", s, err->msg);
    hk_error_free(err);
    unit_test_failed = 1;
    return;
  }
  if (ns != want) {
    fprintf(stderr, "# \"%s\" is %lld ns, expected %lld\n", s, (long long)ns, (long long)want);
    unit_test_failed = 1;
  }
}

static void duration_bad(const char *s, const char *msg_part)
{
  hk_error_t *err = NULL;
  int64_t ns = 0;

  CHECK(hk_duration_parse(s, &ns, &err) < 0);
  if (err) {
    if (strstr(err->msg, msg_part) == NULL) {
      fprintf(stderr, "# \"%s\": message \"%s\" lacks \"%s\"\n", s, err->msg, msg_part);
      unit_test_failed = 1;
    }
    hk_error_free(err);
  }
}

static void test_durations(void)
{
  duration_ok("5s", 5000000000LL);
  duration_ok("500ms", 500000000LL);
  duration_ok("100ms", 100000000LL);
  duration_ok("2m", 120000000000LL);
  duration_ok("1h30m", 5400000000000LL);
  duration_ok("1.5s", 1500000000LL);
  duration_ok(".5s", 500000000LL);
  duration_ok("1.s", 1000000000LL);
  duration_ok("10us", 10000LL);
  duration_ok("10\xc2\xb5s", 10000LL);
  duration_ok("7ns", 7);
  duration_ok("1m0.000000001s", 60000000001LL);
  duration_ok("0", 0);
  duration_ok("-3s", -3000000000LL);
  duration_ok("+3s", 3000000000LL);
  duration_ok("2562047h47m16.854775807s", INT64_MAX);
  duration_bad("", "invalid duration");
  duration_bad("5", "missing unit");
  duration_bad("5x", "unknown unit \"x\"");
  duration_bad("s", "invalid duration");
  duration_bad(".s", "invalid duration");
  duration_bad("1s5", "missing unit");
  duration_bad("2562047h47m16.854775808s", "too large");
  duration_bad("99999999999999999999s", "too large");
  duration_bad("-", "invalid duration");
}

int main(void)
{
  RUN(test_empty_stats);
  RUN(test_full_stats);
  RUN(test_oom_event);
  RUN(test_pids);
  RUN(test_durations);
  UNIT_DONE();
}
