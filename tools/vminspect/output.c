// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering helpers shared by every vminspect command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* ---- JSON ---- */

bool json_pretty;

void json_init(struct json_writer *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void json_newline(struct json_writer *j, unsigned int depth)
{
	unsigned int i;

	if (!j->pretty)
		return;
	putc('\n', j->f);
	for (i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* Separator and indentation before a value (not after a key). */
static void json_before_value(struct json_writer *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->depth) {
		if (j->done)
			j->error = true; /* a second top-level value */
		return;
	}
	if (j->open[j->depth - 1] == '{') {
		j->error = true; /* value without a key */
		return;
	}
	if (j->has_items[j->depth - 1])
		putc(',', j->f);
	j->has_items[j->depth - 1] = true;
	json_newline(j, j->depth);
}

static void json_after_value(struct json_writer *j)
{
	if (!j->depth)
		j->done = true;
}

/* Length of a valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* <= U+10FFFF */
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putc('"', f);
	while (*p) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			p++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n':
				fputs("\\n", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			case '\b':
				fputs("\\b", f);
				break;
			case '\f':
				fputs("\\f", f);
				break;
			default:
				fprintf(f, "\\u%04x", c);
			}
			p++;
		} else if (c < 0x80) {
			putc(c, f);
			p++;
		} else {
			n = utf8_len(p);
			if (n) {
				fwrite(p, 1, n, f);
				p += n;
			} else {
				fputs("\\ufffd", f);
				p++;
			}
		}
	}
	putc('"', f);
}

static void json_open(struct json_writer *j, char c)
{
	json_before_value(j);
	if (j->depth == JSON_MAX_DEPTH) {
		j->error = true;
		return;
	}
	putc(c, j->f);
	j->open[j->depth] = c;
	j->has_items[j->depth] = false;
	j->depth++;
}

static void json_close(struct json_writer *j, char open, char close)
{
	if (!j->depth || j->open[j->depth - 1] != open || j->after_key) {
		j->error = true;
		return;
	}
	j->depth--;
	if (j->has_items[j->depth])
		json_newline(j, j->depth);
	putc(close, j->f);
	json_after_value(j);
}

void json_object_begin(struct json_writer *j)
{
	json_open(j, '{');
}

void json_object_end(struct json_writer *j)
{
	json_close(j, '{', '}');
}

void json_array_begin(struct json_writer *j)
{
	json_open(j, '[');
}

void json_array_end(struct json_writer *j)
{
	json_close(j, '[', ']');
}

void json_key(struct json_writer *j, const char *key)
{
	if (!j->depth || j->open[j->depth - 1] != '{' || j->after_key) {
		j->error = true;
		return;
	}
	if (j->has_items[j->depth - 1])
		putc(',', j->f);
	j->has_items[j->depth - 1] = true;
	json_newline(j, j->depth);
	json_put_string(j->f, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void json_string(struct json_writer *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_before_value(j);
	json_put_string(j->f, s);
	json_after_value(j);
}

void json_int(struct json_writer *j, long long v)
{
	json_before_value(j);
	fprintf(j->f, "%lld", v);
	json_after_value(j);
}

void json_uint(struct json_writer *j, unsigned long long v)
{
	json_before_value(j);
	fprintf(j->f, "%llu", v);
	json_after_value(j);
}

void json_bool(struct json_writer *j, bool v)
{
	json_before_value(j);
	fputs(v ? "true" : "false", j->f);
	json_after_value(j);
}

void json_null(struct json_writer *j)
{
	json_before_value(j);
	fputs("null", j->f);
	json_after_value(j);
}

void json_hex(struct json_writer *j, uint64_t v)
{
	json_before_value(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
	json_after_value(j);
}

void json_kv_string(struct json_writer *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_int(struct json_writer *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json_writer *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json_writer *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json_writer *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

void json_kv_hex(struct json_writer *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_hex(j, v);
}

int json_finish(struct json_writer *j)
{
	if (j->depth || j->after_key || !j->done)
		j->error = true;
	putc('\n', j->f);
	if (fflush(j->f) || ferror(j->f))
		return -1;
	return j->error ? -1 : 0;
}

/* ---- tables ---- */

struct table {
	unsigned int ncols;
	size_t nrows, cap;
	char **cells;	  /* nrows * ncols, NULL = not set */
	bool *is_set;	  /* cell was given (NULL -> "-") */
	unsigned int cur; /* next column of the last row */
	bool header;	  /* row 0 is a header */
	enum table_align *align;
};

struct table *table_new(unsigned int ncols)
{
	struct table *t;

	if (!ncols)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->align = calloc(ncols, sizeof(*t->align));
	if (!t->align) {
		free(t);
		return NULL;
	}
	t->cur = ncols; /* no open row */
	return t;
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->is_set);
	free(t->align);
	free(t);
}

void table_set_align(struct table *t, unsigned int col, enum table_align a)
{
	if (col < t->ncols)
		t->align[col] = a;
}

int table_row(struct table *t)
{
	size_t n = t->ncols, i, cap;
	char **cells;
	bool *set;

	if (t->nrows == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		cells = realloc(t->cells, cap * n * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		set = realloc(t->is_set, cap * n * sizeof(*set));
		if (!set)
			return -ENOMEM;
		t->is_set = set;
		t->cap = cap;
	}
	for (i = 0; i < n; i++) {
		t->cells[t->nrows * n + i] = NULL;
		t->is_set[t->nrows * n + i] = false;
	}
	t->nrows++;
	t->cur = 0;
	return 0;
}

int table_header(struct table *t, const char *const *names)
{
	unsigned int i;
	int ret;

	if (t->nrows)
		return -EINVAL;
	ret = table_row(t);
	for (i = 0; !ret && i < t->ncols; i++)
		ret = table_cell(t, names[i]);
	if (!ret)
		t->header = true;
	return ret;
}

static int table_put(struct table *t, char *s)
{
	size_t idx;

	if (!t->nrows || t->cur >= t->ncols) {
		free(s);
		return -EINVAL;
	}
	idx = (t->nrows - 1) * t->ncols + t->cur++;
	t->cells[idx] = s;
	t->is_set[idx] = true;
	return 0;
}

int table_cell(struct table *t, const char *s)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
	}
	return table_put(t, copy);
}

int table_cellf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return table_put(t, s);
}

static const char *table_text(const struct table *t, size_t idx)
{
	if (!t->is_set[idx])
		return "";
	return t->cells[idx] ? t->cells[idx] : "-";
}

/* Display width: UTF-8 characters, not bytes. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void put_spaces(FILE *f, size_t n)
{
	while (n--)
		putc(' ', f);
}

int table_print(const struct table *t, FILE *f)
{
	size_t *width, r;
	unsigned int c, last;

	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return -1;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			size_t w = text_width(table_text(t, r * t->ncols + c));

			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		/* a bold header when stdout is a colour terminal */
		bool bold = !r && t->header && f == stdout && color_stdout;

		if (bold)
			fputs(color_bold(), f);
		/* last non-empty cell: nothing is padded after it */
		last = 0;
		for (c = 0; c < t->ncols; c++)
			if (*table_text(t, r * t->ncols + c))
				last = c;
		for (c = 0; c <= last; c++) {
			const char *s = table_text(t, r * t->ncols + c);
			size_t pad = width[c] - text_width(s);

			if (c)
				fputs("  ", f);
			if (t->align[c] == TABLE_RIGHT)
				put_spaces(f, pad);
			fputs(s, f);
			if (t->align[c] == TABLE_LEFT && c != last)
				put_spaces(f, pad);
		}
		if (bold)
			fputs(color_reset(), f);
		putc('\n', f);
	}
	free(width);
	return ferror(f) ? -1 : 0;
}

/* ---- sizes ---- */

char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned int u = 0;
	uint64_t div = 1024, whole, rem, tenths;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	while (u < sizeof(units) - 2 && bytes / div >= 1024) {
		div <<= 10;
		u++;
	}
	whole = bytes / div;
	rem = bytes % div;
	if (!rem) {
		snprintf(buf, len, "%" PRIu64 "%c", whole, units[u]);
		return buf;
	}
	if (whole < 10) {
		/* rem < div <= 2^60, so rem * 10 cannot overflow */
		tenths = (rem * 10 + div / 2) / div;
		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
		if (whole < 10) {
			snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", whole,
				 tenths, units[u]);
			return buf;
		}
		snprintf(buf, len, "%" PRIu64 "%c", whole, units[u]);
		return buf;
	}
	if (rem >= div - rem)
		whole++;
	if (whole == 1024 && u < sizeof(units) - 2)
		snprintf(buf, len, "1.0%c", units[u + 1]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", whole, units[u]);
	return buf;
}

char *fmt_size_mask(uint64_t mask, char *buf, size_t len)
{
	char one[FMT_SIZE_LEN];
	size_t used = 0;
	unsigned int bit;
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		fmt_size(1ULL << bit, one, sizeof(one));
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     one);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole entries only */
			break;
		}
		used += n;
	}
	return buf;
}

/* ---- bit sets ---- */

static const char *bit_name(const char *(*name)(unsigned int bit),
			    unsigned int bit, char *unknown, size_t len)
{
	const char *s = name(bit);

	if (s)
		return s;
	snprintf(unknown, len, "bit%u", bit);
	return unknown;
}

void json_bits(struct json_writer *j, uint64_t v,
	       const char *(*name)(unsigned int bit))
{
	unsigned int bit;
	char unknown[8];

	json_array_begin(j);
	for (bit = 0; bit < 64; bit++)
		if (v & (1ULL << bit))
			json_string(j, bit_name(name, bit, unknown,
						sizeof(unknown)));
	json_array_end(j);
}

char *fmt_bits(uint64_t v, const char *(*name)(unsigned int bit),
	       const char *sep, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int bit;
	char unknown[8];
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(v & (1ULL << bit)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? sep : "",
			     bit_name(name, bit, unknown, sizeof(unknown)));
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole names only */
			break;
		}
		used += n;
	}
	return buf;
}

/* ---- one description, text or JSON ---- */

void printer_init(struct printer *p, FILE *f, bool json)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->json = json;
	if (json)
		json_init(&p->j, f, json_pretty);
}

int printer_finish(struct printer *p)
{
	if (p->json)
		return json_finish(&p->j) || p->error ? -1 : 0;
	fflush(p->f);
	return ferror(p->f) || p->error ? -1 : 0;
}

struct table *printer_table_begin(struct printer *p, unsigned int ncols,
				  const char *const *hdr)
{
	struct table *t;

	if (p->json)
		return NULL;
	t = table_new(ncols);
	if (!t || (hdr && table_header(t, hdr))) {
		table_free(t);
		p->error = true;
		return NULL;
	}
	p->t = t;
	return t;
}

void printer_table_end(struct printer *p)
{
	if (!p->t)
		return;
	if (!p->error && table_print(p->t, p->f))
		p->error = true;
	table_free(p->t);
	p->t = NULL;
}

void print_row(struct printer *p, const char *label)
{
	if (p->json || !p->t)
		return;
	if (table_row(p->t) || (label && table_cell(p->t, label)))
		p->error = true;
}

/* The key of a JSON value, unless the value goes into an array. */
static void print_key(struct printer *p, const char *key)
{
	if (key && p->j.depth && p->j.open[p->j.depth - 1] == '{')
		json_key(&p->j, key);
}

void open_json_object(struct printer *p, const char *key)
{
	if (!p->json)
		return;
	print_key(p, key);
	json_object_begin(&p->j);
}

void close_json_object(struct printer *p)
{
	if (p->json)
		json_object_end(&p->j);
}

void open_json_array(struct printer *p, const char *key)
{
	if (!p->json)
		return;
	print_key(p, key);
	json_array_begin(&p->j);
}

void close_json_array(struct printer *p)
{
	if (p->json)
		json_array_end(&p->j);
}

/* Whether a field of type t goes to this printer's form. */
static bool print_wants(const struct printer *p, enum output_type t)
{
	return t & (p->json ? PRINT_JSON : PRINT_FP);
}

/* Text: s as the next cell, or on the stream. */
static void print_text(struct printer *p, const char *s)
{
	if (!p->t)
		fputs(s ? s : "-", p->f);
	else if (table_cell(p->t, s))
		p->error = true;
}

static __printf(2, 3) void print_textf(struct printer *p, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		p->error = true;
		return;
	}
	if (!p->t) {
		fputs(s, p->f);
		free(s);
	} else if (table_put(p->t, s)) { /* the cell takes s */
		p->error = true;
	}
}

/* fmt comes from the command's description: a literal with one value. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void print_string(struct printer *p, enum output_type t, const char *key,
		  const char *fmt, const char *value)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_string(&p->j, value);
	} else if (value) {
		print_textf(p, fmt, value);
	} else {
		print_text(p, NULL);
	}
}

void print_uint(struct printer *p, enum output_type t, const char *key,
		const char *fmt, uint64_t value)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_uint(&p->j, value);
	} else {
		print_textf(p, fmt, (unsigned long long)value);
	}
}

void print_int(struct printer *p, enum output_type t, const char *key,
	       const char *fmt, int64_t value)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_int(&p->j, value);
	} else {
		print_textf(p, fmt, (long long)value);
	}
}

void print_hex(struct printer *p, enum output_type t, const char *key,
	       const char *fmt, uint64_t value)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_hex(&p->j, value);
	} else {
		print_textf(p, fmt, (unsigned long long)value);
	}
}

#pragma GCC diagnostic pop

void print_size(struct printer *p, enum output_type t, const char *key,
		uint64_t bytes)
{
	char buf[FMT_SIZE_LEN];

	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_uint(&p->j, bytes);
	} else {
		print_text(p, fmt_size(bytes, buf, sizeof(buf)));
	}
}

void print_yes_no(struct printer *p, enum output_type t, const char *key,
		  bool value)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_bool(&p->j, value);
	} else {
		print_text(p, value ? "yes" : "no");
	}
}

void print_null(struct printer *p, enum output_type t, const char *key,
		const char *text)
{
	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_null(&p->j);
	} else {
		print_text(p, text);
	}
}

void print_bits(struct printer *p, enum output_type t, const char *key,
		uint64_t v, const char *(*name)(unsigned int bit),
		const char *sep, const char *none)
{
	char buf[1024];

	if (!print_wants(p, t))
		return;
	if (p->json) {
		print_key(p, key);
		json_bits(&p->j, v, name);
		return;
	}
	fmt_bits(v, name, sep, buf, sizeof(buf));
	print_text(p, *buf ? buf : none);
}

void print_size_mask(struct printer *p, enum output_type t, const char *key,
		     uint64_t mask, const char *none)
{
	unsigned int bit;
	char buf[256];

	if (!print_wants(p, t))
		return;
	if (!p->json) {
		fmt_size_mask(mask, buf, sizeof(buf));
		print_text(p, *buf ? buf : none);
		return;
	}
	print_key(p, key);
	json_array_begin(&p->j);
	for (bit = 0; bit < 64; bit++)
		if (mask & (1ULL << bit))
			json_uint(&p->j, 1ULL << bit);
	json_array_end(&p->j);
}

void print_fp(struct printer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->json)
		return;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

/* ---- Prometheus text exposition format ---- */

char *prom_escape_label(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '"')
			esc = "\\\"";
		else if (*s == '\n')
			esc = "\\n";
		if (o + (esc ? 2 : 1) >= len)
			return NULL;
		if (esc) {
			memcpy(buf + o, esc, 2);
			o += 2;
		} else {
			buf[o++] = *s;
		}
	}
	if (o >= len)
		return NULL;
	buf[o] = '\0';
	return buf;
}

char *prom_fmt_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	else if (v >= -9007199254740992.0 && v <= 9007199254740992.0 &&
		 v == (double)(long long)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.12g", v);
	return buf;
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			putc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_sample(FILE *f, const char *name, const char *const *labels,
		 unsigned int nr_labels, const char *value)
{
	char esc[512];
	unsigned int i;

	fputs(name, f);
	for (i = 0; i < nr_labels; i++)
		fprintf(f, "%s%s=\"%s\"", i ? "," : "{", labels[2 * i],
			prom_escape_label(labels[2 * i + 1], esc, sizeof(esc)) ?:
				"");
	fprintf(f, "%s %s\n", nr_labels ? "}" : "", value);
}

void prom_sample_u64(FILE *f, const char *name, const char *const *labels,
		     unsigned int nr_labels, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	prom_sample(f, name, labels, nr_labels, buf);
}

void prom_sample_double(FILE *f, const char *name, const char *const *labels,
			unsigned int nr_labels, double v)
{
	char buf[32];

	prom_sample(f, name, labels, nr_labels,
		    prom_fmt_value(v, buf, sizeof(buf)));
}

/* ---- colour ---- */

bool color_stdout;

int color_parse(const char *s, enum color_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*mode = COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*mode = COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

bool color_decide(enum color_mode mode, const char *no_color, bool is_tty)
{
	switch (mode) {
	case COLOR_ALWAYS:
		return true;
	case COLOR_NEVER:
		return false;
	default:
		return is_tty && !(no_color && *no_color);
	}
}

void color_setup(enum color_mode mode)
{
	color_stdout =
		color_decide(mode, getenv("NO_COLOR"), isatty(STDOUT_FILENO));
}

const char *color_bold(void)
{
	return color_stdout ? "\033[1m" : "";
}

const char *color_good(void)
{
	return color_stdout ? "\033[32m" : "";
}

const char *color_bad(void)
{
	return color_stdout ? "\033[31m" : "";
}

const char *color_reset(void)
{
	return color_stdout ? "\033[0m" : "";
}
