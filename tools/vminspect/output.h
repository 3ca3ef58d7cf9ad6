/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rendering helpers shared by every vminspect command: a small streaming
 * JSON writer, an aligned-column table printer and size formatters.
 */
#ifndef _VMINSPECT_OUTPUT_H
#define _VMINSPECT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- JSON ---- */

#define JSON_MAX_DEPTH 32

/*
 * Streaming writer: values are written as they come, commas and (when
 * pretty) newlines and two-space indentation are inserted for the caller.
 * Inside an object every value must be preceded by json_key() (or use the
 * json_kv_*() shorthands).  Misuse (a value without a key in an object,
 * unbalanced ends, too deep nesting) is remembered and reported by
 * json_finish().  Strings are escaped; invalid UTF-8 becomes U+FFFD.
 */
struct json_writer {
	FILE *f;
	bool pretty;
	bool after_key; /* a key was written, its value is due */
	bool done;	/* the top-level value is complete */
	bool error;	/* misuse detected */
	unsigned int depth;
	char open[JSON_MAX_DEPTH]; /* '{' or '[' per level */
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *j, FILE *f, bool pretty);
/*
 * How the commands write JSON: false (the default) one line per document,
 * true indented (--pretty).
 */
extern bool json_pretty;
/* Ends the document with a newline; 0 if well formed and written. */
int json_finish(struct json_writer *j);

void json_object_begin(struct json_writer *j);
void json_object_end(struct json_writer *j);
void json_array_begin(struct json_writer *j);
void json_array_end(struct json_writer *j);
void json_key(struct json_writer *j, const char *key);

void json_string(struct json_writer *j, const char *s); /* NULL -> null */
void json_int(struct json_writer *j, long long v);
void json_uint(struct json_writer *j, unsigned long long v);
void json_bool(struct json_writer *j, bool v);
void json_null(struct json_writer *j);
void json_hex(struct json_writer *j, uint64_t v); /* "0x1f" */

void json_kv_string(struct json_writer *j, const char *key, const char *s);
void json_kv_int(struct json_writer *j, const char *key, long long v);
void json_kv_uint(struct json_writer *j, const char *key, unsigned long long v);
void json_kv_bool(struct json_writer *j, const char *key, bool v);
void json_kv_null(struct json_writer *j, const char *key);
void json_kv_hex(struct json_writer *j, const char *key, uint64_t v);

/*
 * Names of the set bits of v as a JSON array of strings: name(bit) for
 * each set bit from the lowest, "bitN" where name() returns NULL.
 */
void json_bits(struct json_writer *j, uint64_t v,
	       const char *(*name)(unsigned int bit));

/* ---- tables ---- */

enum table_align {
	TABLE_LEFT,
	TABLE_RIGHT,
};

struct table;

/*
 * A table of ncols columns, printed with columns separated by two spaces
 * and padded to their widest cell (in UTF-8 characters).  Trailing blanks
 * are never printed.  Missing cells print empty; NULL cells print "-".
 */
struct table *table_new(unsigned int ncols);
void table_free(struct table *t);
void table_set_align(struct table *t, unsigned int col, enum table_align a);
/* Optional header row: ncols names. */
int table_header(struct table *t, const char *const *names);
/* Start a row, then add its cells left to right. */
int table_row(struct table *t);
int table_cell(struct table *t, const char *s);
__printf(2, 3) int table_cellf(struct table *t, const char *fmt, ...);
/* Returns 0, or -1 if the stream reported an error. */
int table_print(const struct table *t, FILE *f);

/* ---- sizes ---- */

#define FMT_SIZE_LEN 16

/*
 * Bytes in binary units without "B": 512, 4K, 2M, 1G; inexact values get
 * one decimal below 10 (1.5K) and are rounded above (123M).
 */
char *fmt_size(uint64_t bytes, char *buf, size_t len);
/* A VMI page-size mask (bit n = 2^n bytes) as "4K 2M 1G"; "" if empty. */
char *fmt_size_mask(uint64_t mask, char *buf, size_t len);

/* ---- bit sets ---- */

/*
 * The names of the set bits of v joined by sep (as json_bits()); "" when
 * none.  Only whole names are written when buf is too small.
 */
char *fmt_bits(uint64_t v, const char *(*name)(unsigned int bit),
	       const char *sep, char *buf, size_t len);

/* ---- one description, text or JSON ---- */

/*
 * A command describes each field of its output once, with one print_*()
 * call naming both its JSON key and its text format (the idiom of
 * iproute2's json_print.h); the struct printer sends it to one side:
 *
 *	print_uint(p, PRINT_ANY, "nr_cpus", "%u", info->nr_cpus);
 *
 * PRINT_ANY fields go to both forms, PRINT_JSON ones only to JSON,
 * PRINT_FP ones only to text (where text and JSON show a field
 * differently, one call of each).  In text, a value is printed with its
 * fmt, or, between printer_table_begin() and _end(), becomes the next
 * cell of the table's current row.  Keys are ignored inside JSON arrays.
 */
enum output_type {
	PRINT_FP = 1,	/* text only */
	PRINT_JSON = 2, /* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

struct printer {
	FILE *f;
	bool json;
	bool error;	 /* a table cell could not be added */
	struct table *t; /* text: cells go here; NULL: straight to f */
	struct json_writer j;
};

/* Text, or JSON (one line, or indented when json_pretty) on f. */
void printer_init(struct printer *p, FILE *f, bool json);
/* 0 when the output is complete and written, else -1. */
int printer_finish(struct printer *p);
/*
 * Text: a new table of ncols columns, with hdr (ncols names) as its header
 * when not NULL, that takes the values until printer_table_end(); returned
 * for table_set_align().  NULL in JSON, or on failure (an error then).
 */
struct table *printer_table_begin(struct printer *p, unsigned int ncols,
				  const char *const *hdr);
/* Text: print the table of printer_table_begin(), free it, detach it. */
void printer_table_end(struct printer *p);
/*
 * Text with a table: start a row, with label as its first cell when not
 * NULL.  Nothing in JSON.
 */
void print_row(struct printer *p, const char *label);

/* JSON containers; key NULL for the top level and inside arrays. */
void open_json_object(struct printer *p, const char *key);
void close_json_object(struct printer *p);
void open_json_array(struct printer *p, const char *key);
void close_json_array(struct printer *p);

/*
 * Text fmt takes the value as print_*() passes it: a string ("%s") for
 * print_string(), an unsigned long long ("%llu", "0x%016llx") for
 * print_uint() and print_hex().  value NULL: JSON null, text "-".
 */
void print_string(struct printer *p, enum output_type t, const char *key,
		  const char *fmt, const char *value);
void print_uint(struct printer *p, enum output_type t, const char *key,
		const char *fmt, uint64_t value);
/* fmt takes a long long ("%lld") */
void print_int(struct printer *p, enum output_type t, const char *key,
	       const char *fmt, int64_t value);
/* JSON: the string "0x1f"; text: fmt */
void print_hex(struct printer *p, enum output_type t, const char *key,
	       const char *fmt, uint64_t value);
/* Bytes: JSON a number, text in binary units (fmt_size()) */
void print_size(struct printer *p, enum output_type t, const char *key,
		uint64_t bytes);
/* JSON: true/false; text: "yes"/"no" */
void print_yes_no(struct printer *p, enum output_type t, const char *key,
		  bool value);
/* JSON: null; text: text as it is (NULL: "-") */
void print_null(struct printer *p, enum output_type t, const char *key,
		const char *text);
/*
 * The set bits of v by name (as fmt_bits()): JSON an array of strings,
 * text the names joined by sep, or none when no bit is set.
 */
void print_bits(struct printer *p, enum output_type t, const char *key,
		uint64_t v, const char *(*name)(unsigned int bit),
		const char *sep, const char *none);
/*
 * A VMI page-size mask: JSON an array of byte counts, text "4K 2M 1G"
 * (none when empty).
 */
void print_size_mask(struct printer *p, enum output_type t, const char *key,
		     uint64_t mask, const char *none);
/* Free text, in text output only (not a table cell). */
__printf(2, 3) void print_fp(struct printer *p, const char *fmt, ...);

/* ---- Prometheus text exposition format ---- */

/*
 * A label value with backslash, double quote and newline escaped (\\,
 * \", \n), in buf; NULL when it does not fit (nothing else is changed:
 * the format takes any UTF-8).
 */
char *prom_escape_label(const char *s, char *buf, size_t len);
/*
 * A sample value: integers without exponent or decimals ("42", up to
 * 2^53), other numbers with up to 12 significant digits ("0.000123",
 * "1.5e+20"; 12 significant digits), "NaN", "+Inf", "-Inf".
 */
char *prom_fmt_value(double v, char *buf, size_t len);
/* "# HELP name help" (help escaped: backslash, newline) and "# TYPE". */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/*
 * One sample: name{k1="v1",...} value.  labels holds nr_labels pairs of
 * key and value (values escaped here); value is printed as given.
 */
void prom_sample(FILE *f, const char *name, const char *const *labels,
		 unsigned int nr_labels, const char *value);
/* The same with an unsigned integer or a double value. */
void prom_sample_u64(FILE *f, const char *name, const char *const *labels,
		     unsigned int nr_labels, uint64_t v);
void prom_sample_double(FILE *f, const char *name, const char *const *labels,
			unsigned int nr_labels, double v);

/* ---- colour ---- */

enum color_mode {
	COLOR_AUTO,
	COLOR_ALWAYS,
	COLOR_NEVER,
};

/* "auto", "always", "never" -> *mode; -EINVAL for anything else. */
int color_parse(const char *s, enum color_mode *mode);
/*
 * Whether to colour a stream: never for COLOR_NEVER; for COLOR_AUTO only
 * when it is a terminal and NO_COLOR is unset or empty (no-color.org);
 * always for COLOR_ALWAYS (an explicit request beats NO_COLOR).  no_color
 * is getenv("NO_COLOR"), is_tty isatty() of the stream.
 */
bool color_decide(enum color_mode mode, const char *no_color, bool is_tty);
/* The decision for stdout, set once by main() (false until then). */
extern bool color_stdout;
void color_setup(enum color_mode mode);
/* SGR sequences, "" when colour is off: bold, green, red, reset. */
const char *color_bold(void);
const char *color_good(void);
const char *color_bad(void);
const char *color_reset(void);

#endif /* _VMINSPECT_OUTPUT_H */
