// Package config reads Asterisk-style configuration files (extensions.conf,
// sip.conf, ...) into sections of key/value entries, with positions for
// every entry and diagnostics as "file:line: message".
//
// # Grammar
//
// The grammar follows Asterisk's main/config.c (config_text_file_load and
// process_text_line). A file is read line by line; LF and CRLF line endings
// are accepted. After comments are removed, each line is trimmed of blanks
// and, if anything is left, is one of:
//
//	[name]              a new section (an Asterisk "category")
//	[name](!)           a template: kept in File.Templates, not File.Sections
//	[name](a,b)         a section that first copies the entries of the
//	                    earlier sections or templates a then b (Inherited)
//	[name](!,a)         a template that itself inherits from a
//	[name](+)           more entries for the first earlier section named name
//	key = value         an entry
//	key => value        an entry with Arrow set (same meaning as =)
//	key += value        appends value, as written after "+=" (leading blanks
//	                    included), to the last entry named key of the current
//	                    section; a plain entry if there is none
//	\[key = value       a leading backslash escapes the first character
//	#include file       read file here (also "file" and <file>)
//	#tryinclude file    the same, silently skipped when file does not exist
//	#exec command       warning: not supported, line ignored
//
// A section name is everything between '[' and the first ']', blanks
// included, as in Asterisk. The same name twice makes two sections (the
// dialplan merges them, channel drivers see two peers), except with (+).
// Section names are case-sensitive; keys are kept as written.
//
// Comments: ';' starts a comment to the end of the line; "\;" is a literal
// ';' (the backslash is removed). ";--" starts a block comment that ends at
// "--;", may span lines and nests; text on either side of a block comment on
// the same line is joined. A ";---" (three dashes or more) is an ordinary
// line comment, so banner lines like ";-------;" are comments.
//
// Inheritance copies the entries the named category has at that point in
// the file, so a category must be defined before one that inherits from it
// and inheritance loops cannot be written. Inheriting from a name not
// defined yet is the error `inherit from unknown category "x"`, with a hint
// when the name is defined further on; inheriting from the section's own
// name is an error.
//
// # Includes
//
// Load and Loader.Load expand #include and #tryinclude textually, as
// Asterisk does: the included lines continue the current section, and the
// files a pattern matches continue one another; but after the #include line
// the including file goes on with the section it had before, even if the
// included file opened others. Block comments do not carry across files. Paths are relative to the root
// of the configuration directory (an fs.FS standing for /etc/asterisk), not
// to the including file; "/etc/asterisk/x.conf" names "x.conf"; other
// absolute paths and paths leaving the directory are errors. A name with
// glob characters (* ? [ \) expands with fs.Glob to every matching file in
// sorted order. A missing file (or a pattern with no match) is an error at
// the #include line and nothing for #tryinclude. Include cycles are errors
// that print the chain ("include cycle: a.conf -> b.conf -> a.conf").
// Diagnostics name the file and line where the problem is, in the included
// file when it is there. File.Files lists every file read, once each.
//
// Parse reads a single file from an io.Reader; as it has no directory, an
// #include there is an error.
//
// # Limits
//
// Every load is bounded: MaxLineLength bytes a line, and a Loader's
// MaxFileSize, MaxTotalSize, MaxIncludeDepth, MaxFiles and MaxEntries
// (DefaultMaxFileSize and so on when zero; MaxEntries counts entries copied
// from templates, which inheritance can multiply). Going over a limit other
// than the line length is an error and stops the load; no input makes the
// parser hang, take quadratic time, run out of memory or panic. Files
// included twice count twice against MaxFiles.
//
// # Differences from Asterisk
//
// Asterisk stops reading a file at its first error and logs some problems
// only as warnings; Obelisk reads on to report every problem, and makes
// errors of those that leave the configuration different from what the
// author meant:
//
//   - Unknown directives, an #include without a file name, and nested
//     includes past the depth limit are errors (Asterisk: warnings).
//   - #exec is never run (Asterisk runs it when execincludes=yes): warning.
//   - Include cycles are detected; Asterisk recurses until its include limit.
//   - "--;" outside a block comment is an ordinary ';' comment. Asterisk
//     counts it as the end of a block comment that was never opened and then
//     ignores the rest of the file.
//   - Blanks around the names in "(a, b)" are ignored; an empty section name
//     "[]" is an error.
//   - Text after ']' or ')' of a header, which Asterisk silently ignores,
//     gives a warning: "[name] (!)" is not a template.
//   - The (+) filters of newer Asterisk versions ("[name](+type=peer)") are
//     not supported and read as an unknown category.
//   - A line without '=' or with no key is a warning and is ignored, as in
//     Asterisk.
package config
