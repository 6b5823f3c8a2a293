// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procstat.c - process_* metrics.  Files under /proc/self are opened once
 * and re-read with pread() (procfs regenerates them at offset 0), the fd
 * directory is rewound and counted, so a scrape costs a few system calls
 * and no allocation.
 */
#include "procstat.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int statm_fd = -1;
static DIR *fd_dir;
static double start_time;
static long page_size;

/*
 * starttime (field 22 of /proc/self/stat) counts clock ticks since boot;
 * the boot time is CLOCK_REALTIME minus CLOCK_BOOTTIME (/proc/stat's
 * btime is hidden in sandboxes with ProcSubset=pid).
 */
static double read_start_time(void)
{
	char buf[1024];
	unsigned long long starttime = 0;
	long tck = sysconf(_SC_CLK_TCK);
	struct timespec rt, bt;
	char *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: ") S ..." */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* starttime is field 22; after ')' come fields 3.. */
	for (int field = 3; field <= 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &starttime) != 1)
		return 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (double)(rt.tv_sec - bt.tv_sec) +
	       (double)(rt.tv_nsec - bt.tv_nsec) / 1e9 +
	       (double)starttime / (double)(tck > 0 ? tck : 100);
}

void procstat_init(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	fd_dir = opendir("/proc/self/fd");
	start_time = read_start_time();
}

static int count_fds(void)
{
	struct dirent *de;
	int n = 0;

	if (!fd_dir)
		return -1;
	rewinddir(fd_dir);
	while ((de = readdir(fd_dir)))
		if (de->d_name[0] != '.')
			n++;
	return n - 1; /* the directory's own descriptor */
}

static void metric(struct sbuf *sb, const char *name, const char *type,
		   const char *help, double v)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name, type,
		  name);
	sb_put_double(sb, v);
	sb_putc(sb, '\n');
}

void procstat_render(struct sbuf *sb)
{
	struct rusage ru;
	struct rlimit rl;
	char buf[128];
	unsigned long long vsize, rss;
	ssize_t n;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		metric(sb, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.",
		       (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
				       1e6);
	if (statm_fd >= 0 &&
	    (n = pread(statm_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%llu %llu", &vsize, &rss) == 2) {
			metric(sb, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.",
			       (double)rss * (double)page_size);
			metric(sb, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes.",
			       (double)vsize * (double)page_size);
		}
	}
	if (getrlimit(RLIMIT_AS, &rl) == 0)
		metric(sb, "process_virtual_memory_max_bytes", "gauge",
		       "Maximum amount of virtual memory available in bytes.",
		       rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
	n = count_fds();
	if (n >= 0)
		metric(sb, "process_open_fds", "gauge",
		       "Number of open file descriptors.", (double)n);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		metric(sb, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.",
		       rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
	if (start_time > 0)
		metric(sb, "process_start_time_seconds", "gauge",
		       "Start time of the process since unix epoch in seconds.",
		       start_time);
}
