/*
 * recoveryd-gpio: the reset button, LED and buzzer on a GPIO character device (uAPI v2).
 *
 * Why a separate process and not an addon: it links nothing but libc, so one binary serves every
 * Node ABI and every libgpiod version (Debian 12 ships 1.6, Debian 13 2.x, with different CLIs),
 * and a wedged ioctl or a vanished chip cannot take the daemon's event loop with it. Node
 * supervises it (hal/gpiod/helper.ts) and restarts it with backoff.
 *
 *   recoveryd-gpio list
 *     prints "chip <path> <label> <lines>" and "line <path> <offset> <name>" for every chip.
 *   recoveryd-gpio watch <chip path> <in offset> <bias none|pull-up|pull-down> <active-low 0|1>
 *                        <debounce us> [<out offset> <active-low 0|1>]...
 *     requests every line in ONE request (button as input with both edges, outputs at their
 *     "off" level), prints "ready <level>" (logical level of the button), then one line per edge:
 *     "edge <1 pressed|0 released> <offset> <timestamp ns, CLOCK_MONOTONIC> <seqno>".
 *     Reads "set <offset> <0|1>", "get" (answered "level <0|1>") and "sync <id>" on stdin. A sync
 *     reads the clock, then prints every event the kernel has queued, then "synced <id> <ns>":
 *     the daemon then knows every edge stamped before <ns> has reached it.
 *     Any failure: "error <errno> <what>" on stdout, exit 1. EOF on stdin: exit 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what) {
  int e = errno;
  printf("error %d %s: %s\n", e, what, strerror(e));
  fflush(stdout);
  return 1;
}

static int list_chips(void) {
  DIR *d = opendir("/dev");
  if (!d) return fail("opendir /dev");
  struct dirent *ent;
  while ((ent = readdir(d))) {
    if (strncmp(ent->d_name, "gpiochip", 8) != 0) continue;
    char path[300];
    snprintf(path, sizeof path, "/dev/%s", ent->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      printf("unreadable %s %d\n", path, errno);
      continue;
    }
    struct gpiochip_info ci;
    memset(&ci, 0, sizeof ci);
    if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci) == 0) {
      printf("chip %s %s %u\n", path, ci.label[0] ? ci.label : "-", ci.lines);
      for (unsigned i = 0; i < ci.lines; i++) {
        struct gpio_v2_line_info li;
        memset(&li, 0, sizeof li);
        li.offset = i;
        if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) == 0 && li.name[0])
          printf("line %s %u %s\n", path, i, li.name);
      }
    }
    close(fd);
  }
  closedir(d);
  fflush(stdout);
  return 0;
}

static struct gpio_v2_line_request req;

/* How often an idle helper checks that its chip is still there. */
#define LIVENESS_MS 500

static int index_of(unsigned offset) {
  for (unsigned i = 0; i < req.num_lines; i++)
    if (req.offsets[i] == offset) return (int)i;
  return -1;
}

/* Prints every event queued on the request; returns once none is. */
static int print_events(void) {
  for (;;) {
    struct pollfd p = {.fd = req.fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("poll events");
    }
    if (n == 0) return 0;
    if (p.revents & (POLLERR | POLLHUP)) {
      errno = ENODEV;
      return fail("button line gone");
    }
    struct gpio_v2_line_event ev[16];
    ssize_t r = read(req.fd, ev, sizeof ev);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return fail("read events");
    }
    for (ssize_t i = 0; i < r / (ssize_t)sizeof ev[0]; i++)
      printf("edge %d %u %llu %u\n", ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE ? 1 : 0, ev[i].offset,
             (unsigned long long)ev[i].timestamp_ns, ev[i].seqno);
    fflush(stdout);
  }
}

static int command(char *line) {
  unsigned offset, value, id;
  if (sscanf(line, "set %u %u", &offset, &value) == 2) {
    int i = index_of(offset);
    if (i <= 0) return 0; /* unknown line or the button: ignored */
    struct gpio_v2_line_values v = {.bits = value ? 1ULL << i : 0, .mask = 1ULL << i};
    if (ioctl(req.fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) return fail("set");
  } else if (strncmp(line, "get", 3) == 0) {
    struct gpio_v2_line_values v = {.bits = 0, .mask = 1};
    if (ioctl(req.fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return fail("get");
    printf("level %u\n", (unsigned)(v.bits & 1));
    fflush(stdout);
  } else if (sscanf(line, "sync %u", &id) == 1) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (print_events()) return 1;
    printf("synced %u %llu\n", id, (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
    fflush(stdout);
  }
  return 0;
}

static int watch(int argc, char **argv) {
  if (argc < 7 || (argc - 7) % 2 != 0) {
    errno = EINVAL;
    return fail("usage: watch <chip> <offset> <bias> <active-low> <debounce-us> [<out> <active-low>]...");
  }
  int chip = open(argv[2], O_RDWR | O_CLOEXEC);
  if (chip < 0) return fail(argv[2]);
  memset(&req, 0, sizeof req);
  snprintf(req.consumer, sizeof req.consumer, "recoveryd");
  req.offsets[0] = (unsigned)atoi(argv[3]);
  __u64 in = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
  if (strcmp(argv[4], "pull-up") == 0) in |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
  else if (strcmp(argv[4], "pull-down") == 0) in |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
  if (atoi(argv[5])) in |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  req.config.flags = in;
  unsigned n = 1, a = 0;
  unsigned debounce = (unsigned)atoi(argv[6]);
  if (debounce) {
    struct gpio_v2_line_config_attribute *c = &req.config.attrs[a++];
    c->attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    c->attr.debounce_period_us = debounce;
    c->mask = 1;
  }
  /* Outputs: one flags attribute each (their polarity may differ), all starting "off". */
  __u64 outputs = 0;
  for (int i = 7; i + 1 < argc && a < GPIO_V2_LINE_NUM_ATTRS_MAX - 1; i += 2, n++) {
    req.offsets[n] = (unsigned)atoi(argv[i]);
    struct gpio_v2_line_config_attribute *c = &req.config.attrs[a++];
    c->attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
    c->attr.flags = GPIO_V2_LINE_FLAG_OUTPUT | (atoi(argv[i + 1]) ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0);
    c->mask = 1ULL << n;
    outputs |= 1ULL << n;
  }
  if (outputs) {
    struct gpio_v2_line_config_attribute *c = &req.config.attrs[a++];
    c->attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    c->attr.values = 0;
    c->mask = outputs;
  }
  req.num_lines = n;
  req.config.num_attrs = a;
  if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0) return fail("request lines");
  close(chip);
  struct gpio_v2_line_values v = {.bits = 0, .mask = 1};
  if (ioctl(req.fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return fail("read button");
  printf("ready %u\n", (unsigned)(v.bits & 1));
  fflush(stdout);

  char buf[256];
  size_t used = 0;
  struct pollfd fds[2] = {{.fd = req.fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
  for (;;) {
    /* Kernels before 6.7 do not wake a line request's poll when its chip goes away: without
     * the timeout an idle helper (no edge, no command) would never notice. The ioctl on a request
     * whose chip is gone fails with ENODEV. */
    int n = poll(fds, 2, LIVENESS_MS);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("poll");
    }
    if (n == 0) {
      struct gpio_v2_line_values alive = {.bits = 0, .mask = 1};
      if (ioctl(req.fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &alive) < 0) return fail("button line gone");
      continue;
    }
    if (fds[0].revents & (POLLERR | POLLHUP)) {
      errno = ENODEV;
      return fail("button line gone");
    }
    if ((fds[0].revents & POLLIN) && print_events()) return 1;
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t r = read(0, buf + used, sizeof buf - 1 - used);
      if (r <= 0) return 0;
      used += (size_t)r;
      buf[used] = 0;
      char *nl;
      while ((nl = strchr(buf, '\n'))) {
        *nl = 0;
        if (command(buf)) return 1;
        used -= (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, used + 1);
      }
      if (used == sizeof buf - 1) used = 0; /* an overlong line: dropped */
    }
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp(argv[1], "list") == 0) return list_chips();
  if (argc >= 2 && strcmp(argv[1], "watch") == 0) return watch(argc, argv);
  errno = EINVAL;
  return fail("usage: recoveryd-gpio list | watch ...");
}
