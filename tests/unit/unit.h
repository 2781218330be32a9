/* A tiny test harness for the C unit tests: CHECK() records a failure with
 * its line and carries on; each test function prints one TAP line; main()
 * returns non-zero when anything failed. */
#ifndef HK_UNIT_H
#define HK_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures, unit_test_failed, unit_count;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                   \
      unit_test_failed = 1;                                                                        \
    }                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    const char *_a = (a), *_b = (b);                                                               \
    if (_a == NULL || _b == NULL ? _a != _b : strcmp(_a, _b) != 0) {                               \
      fprintf(stderr, "# %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,          \
              _a ? _a : "(null)", _b ? _b : "(null)");                                             \
      unit_test_failed = 1;                                                                        \
    }                                                                                              \
  } while (0)

#define RUN(fn)                                                                                    \
  do {                                                                                             \
    unit_test_failed = 0;                                                                          \
    fn();                                                                                          \
    printf("%s %d - %s\n", unit_test_failed ? "not ok" : "ok", ++unit_count, #fn);                 \
    unit_failures += unit_test_failed;                                                             \
  } while (0)

#define UNIT_DONE()                                                                                \
  do {                                                                                             \
    printf("1..%d\n", unit_count);                                                                 \
    return unit_failures ? 1 : 0;                                                                  \
  } while (0)

#endif
