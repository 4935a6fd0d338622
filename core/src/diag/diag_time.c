/* diag_time.c - the times and numbers of diagnostics keys and values:
 * RFC 3339 timestamps (written in UTC with 'Z'; read strictly for DIAG,
 * with any offset for cloud-init and reports), pam_kvp's compact key time,
 * decimal durations and chunk indexes. Dates are computed here (days from
 * the civil date), not with the C library's time zone machinery, and
 * numbers are written by hand (diag_put_digits): keys are made for every
 * event, and snprintf costs more than the rest of a key's formatting. */
#include <stdio.h>
#include <string.h>

#include "diag/diag_internal.h"

#define NS_PER_S 1000000000L

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at s as a number, or -1. */
static long digits(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static long month_days(long y, long m)
{
	static const long days[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

long long diag_days_from_civil(long y, long m, long d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil fields of a date-time, checked, as seconds since the epoch. */
struct civil {
	long year, month, day, hour, min, sec;
};

static bool civil_seconds(const struct civil *c, long long *out)
{
	if (c->year < 0 || c->month < 1 || c->month > 12 || c->day < 1 ||
	    c->day > month_days(c->year, c->month) || c->hour > 23 ||
	    c->min > 59 || c->sec > 59 || c->hour < 0 || c->min < 0 ||
	    c->sec < 0)
		return false;
	*out = diag_days_from_civil(c->year, c->month, c->day) * 86400LL +
	       c->hour * 3600LL + c->min * 60LL + c->sec;
	return true;
}

/* "YYYY-MM-DD?HH:MM:SS" (19 bytes; sep is the byte between date and
 * time) into c. */
static bool parse_date_time(const char *s, size_t len, struct civil *c,
			    char *sep)
{
	if (len < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	c->year = digits(s, 4);
	c->month = digits(s + 5, 2);
	c->day = digits(s + 8, 2);
	c->hour = digits(s + 11, 2);
	c->min = digits(s + 14, 2);
	c->sec = digits(s + 17, 2);
	*sep = s[10];
	return c->year >= 0 && c->month >= 0 && c->day >= 0 && c->hour >= 0 &&
	       c->min >= 0 && c->sec >= 0;
}

/* A fraction ".ddd..." at s (1..9 digits, or none) into nanoseconds; the
 * bytes it took (0 when there is none), or -1. */
static long fraction(const char *s, size_t len, long *ns)
{
	size_t n = 0;

	*ns = 0;
	if (len == 0 || s[0] != '.')
		return 0;
	while (n + 1 < len && is_digit(s[n + 1]))
		n++;
	if (n == 0 || n > 9)
		return -1;
	*ns = digits(s + 1, n);
	for (size_t i = n; i < 9; i++)
		*ns *= 10;
	return (long)n + 1;
}

bool diag_time_parse_diag(const char *s, size_t len, struct timespec *out)
{
	struct civil c;
	long long sec;
	long ns, f;
	char sep;

	if (!parse_date_time(s, len, &c, &sep) || sep != 'T')
		return false;
	f = fraction(s + 19, len - 19, &ns);
	if (f < 0 || (f != 0 && f != 4 && f != 7 && f != 10))
		return false;
	if ((size_t)(19 + f + 1) != len || s[len - 1] != 'Z' ||
	    !civil_seconds(&c, &sec))
		return false;
	out->tv_sec = (time_t)sec;
	out->tv_nsec = ns;
	return true;
}

bool diag_time_parse_rfc3339(const char *s, size_t len, struct timespec *out)
{
	struct civil c;
	long long sec;
	long ns, f, off = 0;
	const char *z;
	size_t rest;
	char sep;

	if (!parse_date_time(s, len, &c, &sep) ||
	    (sep != 'T' && sep != 't' && sep != ' '))
		return false;
	f = fraction(s + 19, len - 19, &ns);
	if (f < 0)
		return false;
	z = s + 19 + f;
	rest = len - 19 - (size_t)f;
	if (rest == 1 && (*z == 'Z' || *z == 'z')) {
		off = 0;
	} else if (rest == 6 && (*z == '+' || *z == '-') && z[3] == ':') {
		long h = digits(z + 1, 2), m = digits(z + 4, 2);
		if (h < 0 || m < 0 || h > 23 || m > 59)
			return false;
		off = (h * 3600 + m * 60) * (*z == '-' ? -1 : 1);
	} else {
		return false;
	}
	if (!civil_seconds(&c, &sec))
		return false;
	out->tv_sec = (time_t)(sec - off);
	out->tv_nsec = ns;
	return true;
}

bool diag_time_parse_compact(const char *s, size_t len, struct timespec *out)
{
	char text[32];

	/* YYYYMMDDTHHMMSS.mmmZ: the DIAG form without separators. */
	if (len != 20 || s[8] != 'T' || s[15] != '.' || s[19] != 'Z')
		return false;
	snprintf(text, sizeof(text), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", s,
		 s + 4, s + 6, s + 9, s + 11, s + 13, s + 16);
	return diag_time_parse_diag(text, strlen(text), out);
}

char *diag_put_digits(char *p, unsigned long long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

char *diag_put_uint(char *p, unsigned long long v)
{
	char rev[20]; /* 2^64 - 1 has 20 digits */
	int n = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0)
		*p++ = rev[--n];
	return p;
}

/* "HH:MM:SS" of a second of the day at p; p + 8. */
static char *put_clock(char *p, long secs_of_day)
{
	p = diag_put_digits(p, (unsigned long long)(secs_of_day / 3600), 2);
	*p++ = ':';
	p = diag_put_digits(p, (unsigned long long)(secs_of_day / 60 % 60), 2);
	*p++ = ':';
	return diag_put_digits(p, (unsigned long long)(secs_of_day % 60), 2);
}

int diag_time_digits(const struct timespec *t)
{
	if (t->tv_nsec == 0)
		return 0;
	if (t->tv_nsec % 1000000 == 0)
		return 3;
	return t->tv_nsec % 1000 == 0 ? 6 : 9;
}

void diag_civil_from_days(long long days, struct diag_date *out)
{
	long long z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->year = yoe + era * 400 + (out->month <= 2);
}

int diag_time_format(const struct timespec *t, int ndigits,
		     char out[DIAG_TIME_SIZE])
{
	long long sec = (long long)t->tv_sec;
	struct diag_date date;
	long secs_of_day;
	char *p;

	if (sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= NS_PER_S ||
	    sec >= 253402300800LL) /* 10000-01-01 */
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"time %lld.%09ld is outside the years "
				"1970-9999",
				sec, (long)t->tv_nsec);
	secs_of_day = (long)(sec % 86400);
	diag_civil_from_days(sec / 86400, &date);
	p = diag_put_digits(out, (unsigned long long)date.year, 4);
	*p++ = '-';
	p = diag_put_digits(p, (unsigned long long)date.month, 2);
	*p++ = '-';
	p = diag_put_digits(p, (unsigned long long)date.day, 2);
	*p++ = 'T';
	p = put_clock(p, secs_of_day);
	if (ndigits > 0) {
		long div = 1;
		for (int i = ndigits; i < 9; i++)
			div *= 10;
		*p++ = '.';
		p = diag_put_digits(p, (unsigned long long)(t->tv_nsec / div),
				    ndigits);
	}
	*p++ = 'Z';
	*p = '\0';
	return 0;
}

bool diag_uint_parse(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (!is_digit(s[i]) || v > (~0ULL - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool diag_duration_parse(const char *s, size_t len, kvp_diag_duration *out)
{
	const char *dot = memchr(s, '.', len);
	size_t whole = dot ? (size_t)(dot - s) : len;
	long ns = 0;

	if (!diag_uint_parse(s, whole, &out->sec))
		return false;
	if (dot && fraction(dot, len - whole, &ns) != (long)(len - whole))
		return false;
	out->nsec = (unsigned int)ns;
	return true;
}

bool diag_duration_from_seconds(double s, kvp_diag_duration *out)
{
	double us = s * 1e6 + 0.5;
	unsigned long long u;

	/* NaN fails both comparisons; 2^64 us is the end of the range. */
	if (!(s >= 0 && us < 18446744073709551616.0))
		return false;
	u = (unsigned long long)us;
	out->sec = u / 1000000ULL;
	out->nsec = (unsigned int)(u % 1000000ULL) * 1000u;
	return true;
}

size_t diag_duration_format(const kvp_diag_duration *d,
			    char out[DIAG_DURATION_SIZE])
{
	char *p = diag_put_uint(out, d->sec);

	*p++ = '.';
	p = diag_put_digits(p, d->nsec / 1000u, 6);
	*p = '\0';
	return (size_t)(p - out);
}

/* 0, or KVP_ERR_INVALID_ARG saying what `s` should have been. */
static int parsed(bool ok, const char *s, const char *expected)
{
	if (ok)
		return 0;
	return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0, "'%s' is not %s",
			s ? s : "(null)", expected);
}

int kvp_diag_duration_parse(const char *s, kvp_diag_duration *out)
{
	return parsed(s && out && diag_duration_parse(s, strlen(s), out), s,
		      "decimal seconds (digits, then optionally '.' and 1 to "
		      "9 digits)");
}

int kvp_diag_time_parse(const char *s, struct timespec *out)
{
	return parsed(s && out && diag_time_parse_rfc3339(s, strlen(s), out), s,
		      "an RFC 3339 date-time "
		      "(YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM))");
}
