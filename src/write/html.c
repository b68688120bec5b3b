/* SPDX-License-Identifier: MIT */
/* HTML: the analyst's page, one self-contained file of tables, inline SVG and a small script. */
#include "json.h"
#include "timeparse.h"
#include "util.h"
#include "writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* SPEC §7. The page reads without its script: every section is HTML tables and inline SVG, and
 * every number shown carries the JSON report's value and its place in it (data-k, the path of
 * keys and array indexes; data-v, the value as the JSON prints it), so a test, or a reader's
 * script, compares the page with the embedded report. The script only sorts tables, switches
 * the map's level and view, highlights a variant's path and shows instants in another zone. */

/* Where the page is written, and what every section may read. */
typedef struct page {
    FILE *f;
    const jm__mval *root;
} page;

/* ---- Reading the model ---- */

static const jm__mval *get(const jm__mval *obj, const char *path)
{
    return jm__m_at(obj, path);
}

static uint64_t u(const jm__mval *obj, const char *path)
{
    return jm__m_u(jm__m_at(obj, path));
}

static const jm__mval *first(const jm__mval *v)
{
    return v != NULL && (v->type == JM__M_ARR || v->type == JM__M_OBJ) ? v->v.kids.first : NULL;
}

static size_t count(const jm__mval *v)
{
    return v != NULL && (v->type == JM__M_ARR || v->type == JM__M_OBJ) ? v->n : 0;
}

static bool is_true(const jm__mval *v)
{
    return v != NULL && v->type == JM__M_BOOL && v->v.b;
}

static double pct(uint64_t num, uint64_t den)
{
    return den ? 100.0 * (double)num / (double)den : 0.0;
}

/* How many rows of a ranking the page lists: --top (the root's hidden "top"), else all. */
static size_t listed(const page *p, size_t n)
{
    uint64_t top = u(p->root, "top");
    return top && top < n ? (size_t)top : n;
}

/* ---- Writing text ---- */

/* Bytes as HTML text or an attribute value: valid UTF-8 as the JSON shows it (U+FFFD for a byte
 * that is not UTF-8 and for control characters), with & < > " ' escaped. */
static void esc(FILE *f, const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = jm__utf8_len(b + i, n - i);
        if (k == 0 || (k == 1 && (b[i] < 0x20 || b[i] == 0x7f))) {
            fputs("\xEF\xBF\xBD", f);
            i += k ? k : 1;
            continue;
        }
        switch (b[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fwrite(b + i, 1, k, f);
        }
        i += k;
    }
}

static void escs(FILE *f, const char *s)
{
    esc(f, s, strlen(s));
}

/* A string value, escaped; `none` where it is missing or null. */
static void estr(FILE *f, const jm__mval *v, const char *none)
{
    if (v != NULL && v->type == JM__M_STR)
        esc(f, v->v.str.s, v->v.str.n);
    else
        escs(f, none);
}

static void pf(const page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pf(const page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->f, fmt, ap);
    va_end(ap);
}

/* A scalar as the JSON report prints it (data-v), into buf of 40 bytes; "" for null. */
static char *raw(char *buf, const jm__mval *v)
{
    buf[0] = '\0';
    if (v == NULL)
        return buf;
    switch ((jm__mtype)v->type) {
    case JM__M_BOOL: strcpy(buf, v->v.b ? "true" : "false"); break;
    case JM__M_UINT: snprintf(buf, 40, "%" PRIu64, v->v.u); break;
    case JM__M_MS: jm__fmt_secs(buf, v->v.ms); break;
    case JM__M_RATIO: jm__fmt_ratio(buf, v->v.ratio.num, v->v.ratio.den); break;
    case JM__M_TIME: jm__time_format(v->v.ms, buf); break;
    case JM__M_REAL: snprintf(buf, 40, "%.17g", v->v.d); break;
    default: break;
    }
    return buf;
}

/* A scalar for people: counts as they are, durations "3h 20m", shares "12.5%", instants as
 * RFC 3339; into buf (40 bytes); "-" for null. */
static char *shown(char *buf, const jm__mval *v)
{
    strcpy(buf, "-");
    if (v == NULL)
        return buf;
    switch ((jm__mtype)v->type) {
    case JM__M_BOOL: strcpy(buf, v->v.b ? "yes" : "no"); break;
    case JM__M_UINT: snprintf(buf, 40, "%" PRIu64, v->v.u); break;
    case JM__M_MS: jm__fmt_human(buf, v->v.ms); break;
    case JM__M_RATIO: snprintf(buf, 40, "%.1f%%", pct(v->v.ratio.num, v->v.ratio.den)); break;
    case JM__M_TIME: jm__time_format(v->v.ms, buf); break;
    case JM__M_REAL: snprintf(buf, 40, "%g", v->v.d); break;
    default: break;
    }
    return buf;
}

/* A number of the model in an element: <TAG class=n data-k="KEY" data-v="RAW">SHOWN</TAG>,
 * KEY the path of v in the JSON report (printf-style). Instants are <time> elements that the
 * script can show in another zone. */
static void num(const page *p, const char *tag, const jm__mval *v, const char *keyfmt, ...)
    __attribute__((format(printf, 4, 5)));
static void num(const page *p, const char *tag, const jm__mval *v, const char *keyfmt, ...)
{
    char key[256], r[40], s[40];
    va_list ap;
    va_start(ap, keyfmt);
    vsnprintf(key, sizeof key, keyfmt, ap);
    va_end(ap);
    FILE *f = p->f;
    if (v == NULL || v->type == JM__M_NULL) {
        fprintf(f, "<%s class=n>-</%s>", tag, tag);
        return;
    }
    fprintf(f, "<%s class=n data-k=\"", tag);
    escs(f, key);
    fprintf(f, "\" data-v=\"%s\">", raw(r, v));
    if (v->type == JM__M_TIME)
        fprintf(f, "<time datetime=\"%s\">%s</time>", r, shown(s, v));
    else
        fputs(shown(s, v), f);
    fprintf(f, "</%s>", tag);
}

/* A sortable table's head: columns named in one string, '|' between them; a leading '#' marks
 * a column of numbers (right-aligned). */
static void table_head(const page *p, const char *cls, const char *cols)
{
    pf(p, "<div class=tw><table class=\"sort%s%s\"><thead><tr>", cls ? " " : "", cls ? cls : "");
    while (*cols) {
        size_t k = strcspn(cols, "|");
        bool n = cols[0] == '#';
        pf(p, "<th%s scope=col>%.*s</th>", n ? " class=n" : "", (int)(k - n), cols + n);
        cols += k + (cols[k] == '|');
    }
    pf(p, "</tr></thead><tbody>\n");
}

static void table_end(const page *p)
{
    pf(p, "</tbody></table></div>\n");
}

/* A <td> with a string member, data-v holding the text for sorting. */
static void td_str(const page *p, const jm__mval *v, const char *none)
{
    pf(p, "<td>");
    estr(p->f, v, none);
    pf(p, "</td>");
}

/* "the first N of M listed; all in the JSON report" where a table shows a part. */
static void listed_note(const page *p, size_t shown_n, size_t all, const char *what)
{
    if (shown_n < all)
        pf(p,
           "<p class=note>The first %zu of %zu %s (--top sets how many); the embedded JSON report "
           "holds "
           "them all.</p>\n",
           shown_n, all, what);
}

/* A bar of share x in [0, 1] as a CSS width (inline styles are allowed by the page's CSP). */
static void bar(const page *p, double x, const char *cls)
{
    if (!(x > 0))
        x = 0;
    if (x > 1)
        x = 1;
    pf(p, "<span class=\"bar %s\" style=\"width:%.1f%%\"></span>", cls, 100.0 * x);
}

/* ---- The style and the script ---- */

/* Okabe and Ito's palette (safe for the common colour-blindness types) for categories; ColorBrewer
 * Blues for magnitudes, as the map's nodes. The print rules give A4 pages without the controls. */
static const char *const css[] = {
    ":root{--ink:#1a1a1a;--mute:#555;--line:#d0d0d0;--bg:#fff;--band:#f4f6f8;--blue:#0072B2;",
    "--orange:#E69F00;--sky:#56B4E9;--green:#009E73;--verm:#D55E00;--purple:#CC79A7}\n",
    "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}\n",
    "body{margin:0 auto;max-width:1180px;padding:12px 16px 40px;font:15px/1.45 system-ui,",
    "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:var(--ink);",
    "background:var(--bg)}\n",
    "h1{font-size:1.6em;margin:.4em 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .4em;",
    "border-bottom:2px solid var(--blue);padding-bottom:.15em}h3{font-size:1.05em;",
    "margin:1.1em 0 .3em}\n",
    "p{margin:.4em 0}.note{color:var(--mute);font-size:.9em}.files{color:var(--mute);",
    "word-break:break-all}\n",
    "nav.toc{font-size:.9em;margin:.3em 0 .6em;display:flex;flex-wrap:wrap;gap:.2em .8em}"
    "nav.toc a{color:var(--blue);",
    "white-space:nowrap}\n",
    ".tw{overflow-x:auto;max-width:100%;margin:.4em 0}\n",
    "table{border-collapse:collapse;font-size:.92em}th,td{padding:3px 8px;border-bottom:1px ",
    "solid var(--line);text-align:left;vertical-align:top}th{background:var(--band);",
    "white-space:nowrap}\n",
    "td.n,th.n,.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n",
    "table.sort th{cursor:pointer}th[aria-sort=ascending]::after{content:' \\25B2'}",
    "th[aria-sort=descending]::after{content:' \\25BC'}\n",
    ".bar{display:inline-block;height:.8em;background:var(--blue);vertical-align:middle;",
    "min-width:1px}.bar.p90{background:var(--orange)}.bar.share{background:var(--sky)}",
    "td.b{min-width:120px;width:30%}td.b span.lab{display:inline-block;min-width:4.5em}\n",
    ".chips{display:flex;flex-wrap:wrap;gap:3px}.chip{display:inline-block;padding:1px 6px;",
    "border-radius:9px;font-size:.85em;border:1px solid rgba(0,0,0,.25);white-space:nowrap;",
    "max-width:22em;overflow:hidden;text-overflow:ellipsis}\n",
    ".c0{background:#fbe3b0}.c1{background:#cfe8f8}.c2{background:#bfe8dc}.c3{background:#f8f3b5}",
    ".c4{background:#b9d3ea}.c5{background:#f4cdb3}.c6{background:#f0d6e6}.c7{background:#e0e0e0}"
    "\n",
    "tr.var{cursor:pointer}tr.var.sel{outline:2px solid var(--verm)}\n",
    ".act li{margin:.3em 0}.kind{display:inline-block;font-size:.8em;padding:0 6px;",
    "border-radius:8px;background:var(--band);border:1px solid var(--line)}\n",
    ".ctl{display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:center;margin:.4em 0;",
    "font-size:.92em}.ctl button{font:inherit;padding:2px 10px;border:1px solid var(--blue);",
    "background:#fff;color:var(--blue);border-radius:4px;cursor:pointer}.ctl button[aria-pressed",
    "=true]{background:var(--blue);color:#fff}.ctl input[type=range]{width:12em;",
    "vertical-align:middle}\n",
    ".map{overflow:auto;max-height:85vh;border:1px solid var(--line);padding:4px;",
    "background:#fff}.map svg{max-width:100%;height:auto;display:block;margin:0 auto}\n",
    ".map.hl g.edge,.map.hl g.node{opacity:.18}.map.hl g.on{opacity:1}\n",
    ".chart svg{max-width:100%;height:auto;display:block}.chart{margin:.4em 0}\n",
    "svg text{font-family:system-ui,Helvetica,Arial,sans-serif}\n",
    ".heat td.h{text-align:right;min-width:3.5em}\n",
    "dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:.4em 0}",
    "dl.kv dt{color:var(--mute)}dl.kv dd{margin:0}dl.kv dd.n{text-align:left}\n",
    "section.filters{border:1px solid var(--orange);background:#fff8e8;padding:4px 12px;",
    "border-radius:4px}\n",
    "@media (max-width:600px){body{font-size:14px;padding:8px}th,td{padding:2px 4px}",
    "td.b{min-width:80px}h1{font-size:1.3em}.chip{max-width:12em}}\n",
    "@media print{@page{size:A4;margin:14mm}body{max-width:none;padding:0;font-size:10pt}",
    ".ctl,nav.toc,.noprint{display:none}h2{break-after:avoid}tr,.chart,.map{break-inside:avoid}",
    ".map{max-height:none;border:0;overflow:visible}.tw{overflow:visible}a{color:inherit;",
    "text-decoration:none}.map .lvl[hidden]{display:none}}\n",
    NULL,
};

/* The script: no library, nothing fetched, nothing written to the console. */
static const char *const js[] = {
    "(function(){'use strict';\n",
    "var R=JSON.parse(document.getElementById('jmine-report').textContent);\n",
    "function $$(s,e){return Array.prototype.slice.call((e||document).querySelectorAll(s));}\n"
    /* Sorting: numbers by data-v, text by its content; a second click reverses. */
    "function val(c){var v=c.getAttribute('data-v');if(v!==null&&v!==''&&!isNaN(+v))",
    "return +v;if(v!==null&&v!=='')return v;return c.textContent;}\n",
    "$$('table.sort').forEach(function(t){var hs=t.tHead.rows[0].cells;",
    "$$('th',t.tHead).forEach(function(th,i){th.tabIndex=0;function go(){",
    "var d=th.getAttribute('aria-sort')==='descending'?1:-1;",
    "for(var j=0;j<hs.length;j++)hs[j].removeAttribute('aria-sort');",
    "var b=t.tBodies[0],rs=Array.prototype.slice.call(b.rows);",
    "rs.forEach(function(r,k){r._k=k;});rs.sort(function(x,y){",
    "var a=x.cells[i]?val(x.cells[i]):'',c=y.cells[i]?val(y.cells[i]):'';",
    "var r=(typeof a==='number'&&typeof c==='number')?a-c:String(a).localeCompare(String(c));",
    "return r?d*r:x._k-y._k;});rs.forEach(function(r){b.appendChild(r);});",
    "th.setAttribute('aria-sort',d<0?'descending':'ascending');}",
    "th.addEventListener('click',go);th.addEventListener('keydown',function(e){",
    "if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});});});\n"
    /* The map: its levels, the frequency / performance view. */
    "var map=document.getElementById('map-view'),lv=$$('#map-view .lvl'),ctl=",
    "document.getElementById('map-ctl');\n",
    "function human(s){if(s===null||s===undefined)return '';var a=Math.abs(s),g=s<0?'-':'';",
    "var ms=Math.round(a*1000);if(a<10&&ms%1000)return "
    "g+Math.floor(ms/1000)+'.'+Math.floor(ms%1000/100)+'s';",
    "a=Math.floor(a);var u=[31536000,86400,3600,60,1],",
    "n=['y','d','h','m','s'],i=0;while(i<4&&a<u[i])i++;var b=Math.floor(a/u[i]),r=i<4?Math.floor(",
    "a%u[i]/u[i+1]):0;return g+b+n[i]+(r?' '+(r<10&&i?'0':'')+r+n[i+1]:'');}\n",
    "var E=(R.map&&R.map.edges)||[],mx=0;E.forEach(function(e){if(e.median_wait_s>mx)",
    "mx=e.median_wait_s;});\n",
    "var ramp=['#0072B2','#56B4E9','#009E73','#E69F00','#D55E00'];\n",
    "function setView(perf){$$('g.edge',map).forEach(function(g){var i=+g.id.replace(/^L\\d+e/,",
    "''),e=E[i];if(!e)return;var t=$$('text',g);if(!g._t){g._t=t.map(function(x){return ",
    "x.textContent;});g._c=$$('path,polygon',g).map(function(x){return [x.getAttribute('stroke'),",
    "x.getAttribute('fill')];});}var w=e.median_wait_s;if(perf&&w!==null){var k=mx>0?Math.min(4,",
    "Math.floor(5*Math.log(1+w)/Math.log(1+mx+1e-9))):0;if(t[0])t[0].textContent=human(w);",
    "if(t[1])t[1].textContent=e.count+'';$$('path,polygon',g).forEach(function(x){",
    "x.setAttribute('stroke',ramp[k]);if(x.tagName==='polygon')x.setAttribute('fill',ramp[k]);",
    "});}else{t.forEach(function(x,j){x.textContent=g._t[j];});$$('path,polygon',g).forEach(",
    "function(x,j){x.setAttribute('stroke',g._c[j][0]);if(g._c[j][1]!==null)x.setAttribute(",
    "'fill',g._c[j][1]);});}});$$('button[data-view]',ctl).forEach(function(b){b.setAttribute(",
    "'aria-pressed',(b.getAttribute('data-view')==='perf')===perf?'true':'false');});",
    "document.getElementById('map-legend').hidden=!perf;}\n",
    "function setLevel(k){lv.forEach(function(d,j){d.hidden=j!==k;});var o=document.",
    "getElementById('map-level-out');if(o)o.textContent=lv[k].getAttribute('data-title');",
    "if(sel)mark(sel);}\n",
    "var sel=null;\n"
    /* A variant's path: its steps' nodes and the edges between consecutive steps. */
    "function mark(tr){var v=R.variants.top[+tr.getAttribute('data-i')];$$('g.on',map).forEach(",
    "function(g){g.classList.remove('on');});if(!v){map.classList.remove('hl');return;}",
    "var N={},P={};(R.map.nodes||[]).forEach(function(n,i){N[n.step]=i;});var s=v.steps;",
    "function key(a,b){return (a===null?'\\u0000S':a)+'\\u0001'+(b===null?'\\u0000E':b);}",
    "for(var i=0;i<=s.length;i++)P[key(i?s[i-1]:null,i<s.length?s[i]:null)]=1;",
    "var cur=lv.filter(function(d){return !d.hidden;})[0];if(!cur)return;var p=cur.getAttribute(",
    "'data-p');E.forEach(function(e,i){if(P[key(e.from,e.to)]){var g=document.getElementById(",
    "p+'e'+i);if(g)g.classList.add('on');}});s.forEach(function(x){var g=document.",
    "getElementById(p+'n'+N[x]);if(g)g.classList.add('on');});['start','end'].forEach(function(x)",
    "{var g=document.getElementById(p+x);if(g)g.classList.add('on');});map.classList.add('hl');}\n",
    "$$('tr.var').forEach(function(tr){tr.tabIndex=0;function go(){if(sel===tr){sel=null;",
    "tr.classList.remove('sel');map.classList.remove('hl');$$('g.on',map).forEach(function(g){",
    "g.classList.remove('on');});return;}if(sel)sel.classList.remove('sel');sel=tr;",
    "tr.classList.add('sel');mark(tr);}tr.addEventListener('click',go);tr.addEventListener(",
    "'keydown',function(e){if(e.key==='Enter'){go();}});});\n",
    "if(map&&lv.length&&ctl){var def=0;lv.forEach(function(d,j){if(!d.hidden)def=j;});",
    "ctl.hidden=false;var r=document.getElementById('map-level');r.max=lv.length-1;r.value=def;",
    "r.addEventListener('input',function(){setLevel(+r.value);});setLevel(def);",
    "$$('button[data-view]',ctl).forEach(function(b){b.addEventListener('click',function(){",
    "setView(b.getAttribute('data-view')==='perf');});});}\n"
    /* Instants: UTC as written, or the --tz zone (the browser's own without one). */
    "var tz=document.documentElement.getAttribute('data-tz')||undefined,tb=document.",
    "getElementById('tz-ctl');\n",
    "function two(n){return (n<10?'0':'')+n;}\n",
    "function inZone(d){var o={year:'numeric',month:'2-digit',day:'2-digit',hour:'2-digit',",
    "minute:'2-digit',second:'2-digit',hourCycle:'h23',timeZoneName:'short'};if(tz)o.timeZone=tz;",
    "try{var q={};new Intl.DateTimeFormat('en-GB',o).formatToParts(d).forEach(function(x){",
    "q[x.type]=x.value;});return q.year+'-'+q.month+'-'+q.day+' '+q.hour+':'+q.minute+':'+",
    "q.second+' '+(q.timeZoneName||'');}catch(e){return d.toISOString();}}\n",
    "function setZone(local){$$('time[datetime]').forEach(function(t){var s=t.getAttribute(",
    "'datetime');t.textContent=local?inZone(new Date(s)):s;});$$('button[data-zone]',tb).",
    "forEach(function(b){b.setAttribute('aria-pressed',(b.getAttribute('data-zone')==='local')",
    "===local?'true':'false');});}\n",
    "if(tb&&$$('time[datetime]').length){tb.hidden=false;$$('button[data-zone]',tb).forEach(",
    "function(b){b.addEventListener('click',function(){setZone(b.getAttribute('data-zone')===",
    "'local');});});}\n",
    "})();\n",
    NULL,
};

/* Pieces of text (css, js), written one after the other. */
static void put_all(FILE *f, const char *const *pieces)
{
    for (; *pieces != NULL; pieces++)
        fputs(*pieces, f);
}

/* ---- Sections ---- */

/* The members of a section that its renderer does not show (keys not in `handled`, names
 * separated by '|'): added by other analyses or options (waits.business with --calendar), shown
 * plainly, as a section the page does not know. */
static void extras(const page *p, const jm__mval *sec, const char *path, const char *handled);

/* The section key and its heading, in the order a service designer reads (SPEC §7). */
static void section(const page *p, const char *id, const char *title)
{
    pf(p, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
}

static void section_end(const page *p)
{
    pf(p, "</section>\n");
}

/* The summary in sentences, each number marked with its place in the JSON report. */
static void summary(const page *p)
{
    const jm__mval *r = p->root, *j = get(r, "journeys");
    section(p, "summary", "Summary");
    if (u(j, "count") == 0) {
        pf(p, "<p>The log holds no journeys.</p>\n");
        section_end(p);
        return;
    }
    pf(p, "<p>");
    num(p, "b", get(j, "count"), "journeys.count");
    pf(p, " journeys (of ");
    num(p, "span", get(j, "cases"), "journeys.cases");
    pf(p, " cases) take a median of ");
    num(p, "b", get(j, "contacts.median"), "journeys.contacts.median");
    pf(p, " contacts (p90 ");
    num(p, "span", get(j, "contacts.p90"), "journeys.contacts.p90");
    pf(p, ")");
    if (!jm__m_isnull(get(j, "channels"))) {
        pf(p, " over ");
        num(p, "b", get(j, "channels.median"), "journeys.channels.median");
        pf(p, " channel%s (p90 ", u(j, "channels.median") == 1 ? "" : "s");
        num(p, "span", get(j, "channels.p90"), "journeys.channels.p90");
        pf(p, ")");
    }
    pf(p, " and last a median of ");
    num(p, "b", get(j, "duration_s.median"), "journeys.duration_s.median");
    pf(p, ".</p>\n");

    const jm__mval *lo = get(r, "loops");
    if (lo != NULL && get(lo, "share_with_loop") != NULL) {
        pf(p, "<p>");
        num(p, "b", get(lo, "share_with_loop"), "loops.share_with_loop");
        pf(p, " of journeys come back to a step they already had");
        const jm__mval *b = first(get(lo, "by_step"));
        if (b != NULL) {
            pf(p, "; most often <q>");
            estr(p->f, get(b, "step"), "");
            pf(p, "</q> (");
            num(p, "span", get(b, "journeys"), "loops.by_step.0.journeys");
            pf(p, " journeys)");
        }
        pf(p, ".</p>\n");
    }
    const jm__mval *ch = get(r, "channels");
    if (is_true(get(ch, "present"))) {
        pf(p, "<p>");
        num(p, "b", get(ch, "share_with_switch"), "channels.share_with_switch");
        pf(p, " of journeys switch channel");
        size_t i = 0;
        for (const jm__mval *h = first(get(ch, "matrix")); h != NULL && i < 3; h = h->next, i++) {
            pf(p, "%s", i == 0 ? "; the most common hops: " : ", ");
            estr(p->f, get(h, "from"), "");
            pf(p, " &rarr; ");
            estr(p->f, get(h, "to"), "");
            pf(p, " (");
            num(p, "span", get(h, "count"), "channels.matrix.%zu.count", i);
            pf(p, ")");
        }
        pf(p, ".</p>\n");
    }
    const jm__mval *w = get(r, "waits"), *t = first(get(w, "by_transition"));
    if (t != NULL) {
        pf(p, "<p>Customers wait longest in all between <q>");
        estr(p->f, get(t, "from"), "");
        pf(p, "</q> and <q>");
        estr(p->f, get(t, "to"), "");
        pf(p, "</q> (");
        num(p, "b", get(t, "total_s"), "waits.by_transition.0.total_s");
        pf(p, " in all, median ");
        num(p, "span", get(t, "median_s"), "waits.by_transition.0.median_s");
        pf(p, "). ");
        num(p, "b", get(w, "long_waits"), "waits.long_waits");
        pf(p, " waits are longer than ");
        num(p, "span", get(w, "threshold_s"), "waits.threshold_s");
        pf(p, ", in ");
        num(p, "span", get(w, "journeys_with_long_wait"), "waits.journeys_with_long_wait");
        pf(p, " journeys.</p>\n");
    }
    section_end(p);
}

static void act_first(const page *p)
{
    const jm__mval *a = get(p->root, "act_first");
    section(p, "act-first", "Where to act first");
    if (count(a) == 0) {
        pf(p, "<p>Nothing stands out.</p>\n");
        section_end(p);
        return;
    }
    pf(p, "<p class=note>Ranked by the journeys each burdens.</p><ol class=act>\n");
    size_t i = 0;
    for (const jm__mval *x = first(a); x != NULL; x = x->next, i++) {
        pf(p, "<li><span class=kind>");
        estr(p->f, get(x, "kind"), "");
        pf(p, "</span> <b>");
        estr(p->f, get(x, "what"), "");
        pf(p, "</b>: ");
        num(p, "span", get(x, "journeys"), "act_first.%zu.journeys", i);
        pf(p, " journeys (");
        num(p, "span", get(x, "share"), "act_first.%zu.share", i);
        pf(p, "); ");
        estr(p->f, get(x, "detail"), "");
        pf(p, ".</li>\n");
    }
    pf(p, "</ol>\n");
    section_end(p);
}

/* ---- The map: levels of detail, each laid out on its own ---- */

/* Graphviz lays out each level in turn on this thread (svg.c); the page shows these levels, from
 * the most common path to every step (at most MAX_STEPS), the default the one of DEFAULT_STEPS
 * (SPEC §7). */
enum { DEFAULT_STEPS = 30, MAX_STEPS = 200, MAX_LEVELS = 6 };

/* A level: which of the map's nodes and edges (by their index in the report's lists) it draws. */
typedef struct level {
    bool *node, *edge;
    size_t nodes, edges;
    uint64_t events, transitions;
    bool path; /* the most common path */
} level;

/* The strongest edges between the nodes kept, as the map command's cut: each kept step keeps its
 * strongest way in and out and its edge to the end; then the most frequent others, up to
 * `extra` more (dot's layout time grows steeply with the edges drawn). */
static void level_edges(level *l, const jm__mval *const *edge, size_t ne, const size_t *from,
                        const size_t *to, size_t nn, size_t extra)
{
    bool *in = jm__xcalloc(nn + 1, 1), *out = jm__xcalloc(nn + 1, 1);
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ne; i++) {
            size_t a = from[i], b = to[i]; /* nn: the start or end node */
            if (l->edge[i] || (a < nn && !l->node[a]) || (b < nn && !l->node[b]))
                continue;
            bool needed = (b < nn && !in[b]) || (a < nn && !out[a]) || (b == nn && a < nn);
            if (pass == 0 ? !needed : extra == 0)
                continue;
            if (pass == 1)
                extra--;
            l->edge[i] = true;
            l->edges++;
            l->transitions += jm__m_u(jm__m_get(edge[i], "count"));
            if (b < nn)
                in[b] = true;
            if (a < nn)
                out[a] = true;
        }
    free(in);
    free(out);
}

/* The index among the nodes of the step an edge end names; nn for the start or end node. */
static size_t node_index(const jm__mval *const *node, size_t nn, const jm__mval *name)
{
    if (name == NULL || name->type != JM__M_STR)
        return nn;
    for (size_t i = 0; i < nn; i++) {
        const jm__mval *s = jm__m_get(node[i], "step");
        if (s != NULL && s->type == JM__M_STR && s->v.str.n == name->v.str.n &&
            memcmp(s->v.str.s, name->v.str.s, name->v.str.n) == 0)
            return i;
    }
    return nn;
}

#ifdef JM_HAVE_GRAPHVIZ
/* One level laid out by Graphviz, its SVG written to f; with `prolog` as Graphviz writes it
 * (a file of its own), else from "<svg" on (inline in the page). */
static void draw_level(FILE *f, bool prolog, const level *l, const jm__mval *const *node,
                       size_t nn, const jm__mval *const *edge, size_t ne, const char *label,
                       const char *prefix)
{
    jm__model *m = jm__model_new();
    jm__mval *root = jm__model_root(m);
    jm__m_cstr(m, root, "label", label);
    /* Past CURVED_MAX transitions svg.c draws straight edges with bounded passes; at 200 steps
     * and 677 transitions (a random log) that still took 0.9-1.6 s, and with fewer crossing
     * and ranking iterations 0.33-0.4 s. */
    if (l->edges > 150) {
        jm__mval *gr = jm__m_obj(m, root, "graph");
        jm__m_cstr(m, gr, "mclimit", "0.01");
        jm__m_cstr(m, gr, "nslimit", "0.1");
        jm__m_cstr(m, gr, "nslimit1", "0.1");
        jm__m_cstr(m, gr, "remincross", "false");
    }
    jm__mval *map = jm__m_obj(m, root, "map");
    jm__mval *na = jm__m_arr(m, map, "nodes"), *ea = jm__m_arr(m, map, "edges");
    for (size_t i = 0; i < nn; i++) {
        if (!l->node[i])
            continue;
        const jm__mval *s = jm__m_get(node[i], "step");
        jm__mval *o = jm__m_obj(m, na, NULL);
        jm__m_str(m, o, "step", s->v.str.s, s->v.str.n);
        jm__m_uint(m, o, "events", jm__m_u(jm__m_get(node[i], "events")));
        jm__m_uint(m, o, "i", i);
    }
    for (size_t i = 0; i < ne; i++) {
        if (!l->edge[i])
            continue;
        jm__mval *o = jm__m_obj(m, ea, NULL);
        const jm__mval *f = jm__m_get(edge[i], "from"), *t = jm__m_get(edge[i], "to");
        if (f != NULL && f->type == JM__M_STR)
            jm__m_str(m, o, "from", f->v.str.s, f->v.str.n);
        else
            jm__m_null(m, o, "from");
        if (t != NULL && t->type == JM__M_STR)
            jm__m_str(m, o, "to", t->v.str.s, t->v.str.n);
        else
            jm__m_null(m, o, "to");
        jm__m_uint(m, o, "count", jm__m_u(jm__m_get(edge[i], "count")));
        jm__m_ms(m, o, "median_wait_s", jm__m_msv(jm__m_get(edge[i], "median_wait_s")));
        jm__m_uint(m, o, "i", i);
    }
    char *svg = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&svg, &len);
    if (mem == NULL)
        jm__die("html: out of memory");
    jm__svg_draw(root, mem, prefix);
    fclose(mem);
    jm__model_free(m);
    const char *at = prolog ? svg : strstr(svg, "<svg");
    if (at != NULL)
        fwrite(at, 1, len - (size_t)(at - svg), f);
    free(svg);
}
#endif

/* The map's levels, as the page and the map command's SVG draw them: the report's map (nodes
 * and edges, by rank), where each edge's ends are among the nodes (nn: start or end), and the
 * levels from the most common path to all steps (MAX_STEPS at most); def the default one. */
typedef struct levels {
    const jm__mval **node, **edge;
    size_t nn, ne, *from, *to;
    uint64_t events, transitions;
    level lv[MAX_LEVELS + 2];
    size_t n, def;
} levels;

static void levels_make(levels *L, const jm__mval *root)
{
    const jm__mval *map = get(root, "map");
    memset(L, 0, sizeof *L);
    size_t nn = count(get(map, "nodes")), ne = count(get(map, "edges"));
    const jm__mval **node = jm__xmalloc((nn + 1) * sizeof *node);
    const jm__mval **edge = jm__xmalloc((ne + 1) * sizeof *edge);
    size_t *from = jm__xmalloc((ne + 1) * sizeof *from), *to = jm__xmalloc((ne + 1) * sizeof *to);
    uint64_t events = 0, transitions = 0;
    size_t i = 0;
    for (const jm__mval *v = first(get(map, "nodes")); v != NULL; v = v->next, i++) {
        node[i] = v;
        events += jm__m_u(jm__m_get(v, "events"));
    }
    i = 0;
    for (const jm__mval *e = first(get(map, "edges")); e != NULL; e = e->next, i++) {
        edge[i] = e;
        from[i] = node_index(node, nn, jm__m_get(e, "from"));
        to[i] = node_index(node, nn, jm__m_get(e, "to"));
        transitions += jm__m_u(jm__m_get(e, "count"));
    }
    L->node = node;
    L->edge = edge;
    L->nn = nn;
    L->ne = ne;
    L->from = from;
    L->to = to;
    L->events = events;
    L->transitions = transitions;

    /* The levels' sizes: the most common path, then steps growing geometrically to all of
     * them (at most MAX_STEPS), DEFAULT_STEPS among them when it lies between. */
    size_t all = nn < MAX_STEPS ? nn : MAX_STEPS, sizes[MAX_LEVELS + 2], nl = 0;
    level *lv = L->lv;
    const jm__mval *top = first(get(root, "variants.top"));
    if (nn > 0 && top != NULL) {
        level *l = &lv[nl++];
        l->path = true;
        l->node = jm__xcalloc(nn + 1, 1);
        l->edge = jm__xcalloc(ne + 1, 1);
        const jm__mval *steps = get(top, "steps");
        size_t prev = nn;
        bool startd = true;
        for (const jm__mval *s = first(steps);; s = s->next) {
            size_t x = s != NULL ? node_index(node, nn, s) : nn;
            if (s != NULL && x < nn && !l->node[x]) {
                l->node[x] = true;
                l->nodes++;
                l->events += jm__m_u(jm__m_get(node[x], "events"));
            }
            for (size_t k = 0; k < ne; k++)
                if (!l->edge[k] && from[k] == prev && to[k] == x && (prev < nn || startd)) {
                    l->edge[k] = true;
                    l->edges++;
                    l->transitions += jm__m_u(jm__m_get(edge[k], "count"));
                }
            startd = false;
            prev = x;
            if (s == NULL)
                break;
        }
        sizes[0] = l->nodes;
    }
    size_t lo = nl ? sizes[0] : 1, want = 4;
    for (size_t k = 1; k <= want && all > 0; k++) {
        size_t s = (size_t)llround((double)lo * pow((double)all / (double)lo, (double)k / want));
        if (s < 1)
            s = 1;
        if (nl > 0 && s <= sizes[nl - 1])
            continue;
        sizes[nl++] = s;
    }
    if (all > DEFAULT_STEPS && lo < DEFAULT_STEPS) {
        size_t k = 0;
        while (k < nl && sizes[k] < DEFAULT_STEPS)
            k++;
        if (k == nl || sizes[k] != DEFAULT_STEPS) {
            memmove(sizes + k + 1, sizes + k, (nl - k) * sizeof *sizes);
            sizes[k] = DEFAULT_STEPS;
            nl++;
        }
        /* A level within a quarter of the default (not the path, not all steps) adds little. */
        for (size_t j = nl - 1; j-- > 1;)
            if (sizes[j] != DEFAULT_STEPS && sizes[j] * 4 > DEFAULT_STEPS * 3 &&
                sizes[j] * 4 < DEFAULT_STEPS * 5) {
                memmove(sizes + j, sizes + j + 1, (nl - j - 1) * sizeof *sizes);
                nl--;
            }
    }
    size_t def = 0;
    for (size_t k = 0; k < nl; k++) {
        if (sizes[k] <= DEFAULT_STEPS)
            def = k;
        if (k == 0 && lv[0].path)
            continue;
        level *l = &lv[k];
        l->node = jm__xcalloc(nn + 1, 1);
        l->edge = jm__xcalloc(ne + 1, 1);
        for (size_t x = 0; x < sizes[k] && x < nn; x++) {
            l->node[x] = true;
            l->nodes++;
            l->events += jm__m_u(jm__m_get(node[x], "events"));
        }
        /* Beyond the transitions each step needs, as many more as there are steps (the most
         * frequent): dense logs stay readable and quick to lay out. On a generated log of 31
         * steps and 135 transitions, the level of all steps took 0.36 s with twice as many
         * more, 0.15 s with this. */
        level_edges(l, edge, ne, from, to, nn, l->nodes);
    }
    L->n = nl;
    L->def = def;
}

/* Level k's title, stated on its picture, into buf of size n. */
static void levels_label(const levels *L, size_t k, char *buf, size_t n)
{
    const level *l = &L->lv[k];
    if (l->path)
        snprintf(buf, n,
                 "The most common path: %zu of %zu steps (%.1f%% of events), %zu of %zu "
                 "transitions (%.1f%% of transitions).",
                 l->nodes, L->nn, pct(l->events, L->events), l->edges, L->ne,
                 pct(l->transitions, L->transitions));
    else
        snprintf(buf, n,
                 "The %zu most frequent of %zu steps (%.1f%% of events), %zu of %zu "
                 "transitions (%.1f%% of transitions)%s.",
                 l->nodes, L->nn, pct(l->events, L->events), l->edges, L->ne,
                 pct(l->transitions, L->transitions),
                 l->nodes == DEFAULT_STEPS ? "; the default cut of 30 steps" : "");
}

static void levels_free(levels *L)
{
    for (size_t k = 0; k < L->n; k++) {
        free(L->lv[k].node);
        free(L->lv[k].edge);
    }
    free(L->node);
    free(L->edge);
    free(L->from);
    free(L->to);
}

/* The map: its levels, each laid out on its own; the default level of DEFAULT_STEPS steps
 * shown, the others hidden until the slider asks; beside it the strongest transitions as a
 * table. */
static void map_section(const page *p)
{
    const jm__mval *map = get(p->root, "map");
    section(p, "map", "Process map");
    levels L;
    levels_make(&L, p->root);
    size_t nl = L.n, ne = L.ne;

    pf(p, "<p>");
    num(p, "b", jm__m_at(p->root, "journeys.count"), "journeys.count");
    pf(p,
       " journeys through %zu steps and %zu transitions (start and end included). Boxes are "
       "steps (deeper blue: more events), arrows transitions (wider: more often; labelled "
       "with the count and the median wait).</p>\n",
       L.nn, ne);
    pf(p, "<div class=\"ctl noprint\" id=map-ctl hidden><label>Detail <input type=range "
          "id=map-level min=0 max=0 step=1 aria-describedby=map-level-out></label> <output "
          "id=map-level-out></output> <span><button type=button data-view=freq "
          "aria-pressed=true>Frequency</button> <button type=button data-view=perf "
          "aria-pressed=false>Performance</button></span> <span id=map-legend hidden>median "
          "wait: <b style=\"color:#0072B2\">short</b> &rarr; <b style=\"color:#009E73\">&middot;"
          "</b> &rarr; <b style=\"color:#D55E00\">long</b></span></div>\n");
    pf(p, "<div class=map id=map-view>\n");
    for (size_t k = 0; k < nl; k++) {
        char label[512], prefix[24];
        levels_label(&L, k, label, sizeof label);
        snprintf(prefix, sizeof prefix, "L%zu", k);
        pf(p, "<div class=lvl id=map-%zu data-p=\"%s\" data-title=\"", k, prefix);
        escs(p->f, label);
        pf(p, "\"%s>\n", k == L.def ? "" : " hidden");
#ifdef JM_HAVE_GRAPHVIZ
        draw_level(p->f, false, &L.lv[k], L.node, L.nn, L.edge, ne, label, prefix);
        jm__trace("map level laid out");
#else
        pf(p, "<p class=note>");
        escs(p->f, label);
        pf(p, " (this jmine was built without Graphviz: no picture)</p>");
#endif
        pf(p, "\n</div>\n");
    }
    pf(p, "</div>\n<noscript><p class=note>The other levels of detail need JavaScript.</p>"
          "</noscript>\n");
    levels_free(&L);

    pf(p, "<h3>The most frequent transitions</h3>\n");
    table_head(p, NULL, "from|to|#count|#journeys|#median wait|#mean wait");
    size_t k = listed(p, ne), r = 0;
    if (p->root && u(p->root, "top") == 0 && k > 50)
        k = 50;
    for (const jm__mval *e = first(get(map, "edges")); e != NULL && r < k; e = e->next, r++) {
        pf(p, "<tr>");
        td_str(p, get(e, "from"), "(start)");
        td_str(p, get(e, "to"), "(end)");
        num(p, "td", get(e, "count"), "map.edges.%zu.count", r);
        num(p, "td", get(e, "journeys"), "map.edges.%zu.journeys", r);
        num(p, "td", get(e, "median_wait_s"), "map.edges.%zu.median_wait_s", r);
        num(p, "td", get(e, "mean_wait_s"), "map.edges.%zu.mean_wait_s", r);
        pf(p, "</tr>\n");
    }
    table_end(p);
    listed_note(p, r, ne, "transitions");
    extras(p, map, "map", "nodes|edges");
    section_end(p);
}

#ifdef JM_HAVE_GRAPHVIZ
void jm__svg_page_map(const jm__mval *root, FILE *o)
{
    levels L;
    levels_make(&L, root);
    char label[512], prefix[24];
    if (L.n == 0) { /* no steps: the start and end nodes alone */
        level none = {0};
        none.node = jm__xcalloc(L.nn + 1, 1);
        none.edge = jm__xcalloc(L.ne + 1, 1);
        draw_level(o, true, &none, L.node, L.nn, L.edge, L.ne, "The map has no steps.", "L0");
        free(none.node);
        free(none.edge);
    } else {
        levels_label(&L, L.def, label, sizeof label);
        snprintf(prefix, sizeof prefix, "L%zu", L.def);
        draw_level(o, true, &L.lv[L.def], L.node, L.nn, L.edge, L.ne, label, prefix);
    }
    levels_free(&L);
}
#endif

/* ---- Variants ---- */

/* A step's chip colour by name, for a log without channels: one of seven tints of Okabe and
 * Ito's palette, by the name's bytes (the same step has the same colour everywhere). */
static unsigned name_colour(const jm__mval *s)
{
    if (s == NULL || s->type != JM__M_STR)
        return 7;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < s->v.str.n; i++)
        h = (h ^ (unsigned char)s->v.str.s[i]) * 16777619u;
    return h % 7;
}

/* Two strings of the model in byte order (shorter first on a tie of the common bytes). */
static int str_cmp(const jm__mval *a, const jm__mval *b)
{
    size_t n = a->v.str.n < b->v.str.n ? a->v.str.n : b->v.str.n;
    int c = n ? memcmp(a->v.str.s, b->v.str.s, n) : 0;
    return c ? c : (a->v.str.n > b->v.str.n) - (a->v.str.n < b->v.str.n);
}

/* The steps' channels (the map's hidden "step_channels": each step's most frequent channel),
 * sorted by step name for lookup, and the colour of each channel: the first seven channels
 * met in the map's ranking (busiest step first) take Okabe and Ito's seven hues, the others
 * grey. */
typedef struct chans {
    const jm__mval **by_step; /* step_channels' rows, by step name */
    size_t n;
    const jm__mval *order[7]; /* the channels coloured c0..c6 */
    size_t ncol;
    bool present; /* the log has a channel column */
} chans;

static int row_by_step(const void *pa, const void *pb)
{
    return str_cmp(jm__m_get(*(const jm__mval *const *)pa, "step"),
                   jm__m_get(*(const jm__mval *const *)pb, "step"));
}

static void chans_make(chans *c, const jm__mval *root)
{
    memset(c, 0, sizeof *c);
    c->present = is_true(get(root, "channels.present"));
    const jm__mval *sc = get(root, "map.step_channels");
    c->by_step = jm__xmalloc((count(sc) + 1) * sizeof *c->by_step);
    for (const jm__mval *r = first(sc); r != NULL; r = r->next) {
        const jm__mval *s = get(r, "step"), *ch = get(r, "channel");
        if (s == NULL || s->type != JM__M_STR || ch == NULL || ch->type != JM__M_STR)
            continue;
        c->by_step[c->n++] = r;
        bool known = false;
        for (size_t k = 0; k < c->ncol && !known; k++)
            known = str_cmp(c->order[k], ch) == 0;
        if (!known && c->ncol < 7)
            c->order[c->ncol++] = ch;
    }
    if (c->n > 0)
        qsort(c->by_step, c->n, sizeof *c->by_step, row_by_step);
}

/* A step's row in step_channels, or NULL (a step seen in no known channel, or "(other)"). */
static const jm__mval *chans_row(const chans *c, const jm__mval *step)
{
    if (step == NULL || step->type != JM__M_STR)
        return NULL;
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = str_cmp(get(c->by_step[mid], "step"), step);
        if (r == 0)
            return c->by_step[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A channel's colour: its place among the seven coloured, else 7 (grey). */
static unsigned chans_colour(const chans *c, const jm__mval *ch)
{
    for (size_t k = 0; ch != NULL && k < c->ncol; k++)
        if (str_cmp(c->order[k], ch) == 0)
            return (unsigned)k;
    return 7;
}

/* A variant's step as a chip: coloured by its channel where the log has channels (the rule
 * stated above the table), by its name where it has none; its channel in the tooltip. */
static void chip(const page *p, const chans *c, const jm__mval *step)
{
    const jm__mval *row = c->present ? chans_row(c, step) : NULL;
    const jm__mval *ch = row != NULL ? get(row, "channel") : NULL;
    unsigned colour = c->present ? chans_colour(c, ch) : name_colour(step);
    pf(p, "<span class=\"chip c%u\"", colour);
    if (ch != NULL) {
        pf(p, " data-channel=\"");
        estr(p->f, ch, "");
        pf(p, "\"");
    }
    pf(p, " title=\"");
    estr(p->f, step, "");
    if (ch != NULL) {
        pf(p, " \xE2\x80\x94 ");
        estr(p->f, ch, "");
        uint64_t k = u(row, "channels");
        if (k > 1)
            pf(p, " (%" PRIu64 " of its %" PRIu64 " events; seen in %" PRIu64 " channels)",
               u(row, "events"), u(row, "of"), k);
    } else if (c->present) {
        pf(p, " \xE2\x80\x94 no channel");
    }
    pf(p, "\">");
    estr(p->f, step, "");
    pf(p, "</span>");
}

/* The rule the chips follow, and the channels' colours, above the variants table. */
static void chips_legend(const page *p, const chans *c)
{
    if (!c->present) {
        pf(p, "<p class=note>Each step is coloured by its name (the log has no channel "
              "column).</p>\n");
        return;
    }
    bool more = false;
    for (size_t i = 0; i < c->n && !more; i++)
        more = chans_colour(c, get(c->by_step[i], "channel")) == 7;
    pf(p, "<p class=note id=chip-rule>Each step is coloured by its channel: the channel most "
          "of its events came through (a step seen in several channels names its share in its "
          "tooltip)%s. <span class=chips style=\"display:inline-flex\">",
       more ? "; channels past the seventh in grey" : "");
    for (size_t k = 0; k < c->ncol; k++) {
        pf(p, "<span class=\"chip c%zu\">", k);
        estr(p->f, c->order[k], "");
        pf(p, "</span>");
    }
    if (more)
        pf(p, "<span class=\"chip c7\">other channels</span>");
    pf(p, "</span></p>\n");
}

/* The variants as bars (share) with the cumulative coverage as a line, then the table, each
 * variant a row of step chips; a click on a row highlights its path on the map. */
static void variants_section(const page *p)
{
    const jm__mval *v = get(p->root, "variants"), *top = get(v, "top");
    section(p, "variants", "Variants");
    size_t n = count(top);
    pf(p, "<p>");
    num(p, "b", get(p->root, "journeys.count"), "journeys.count");
    pf(p, " journeys follow ");
    num(p, "b", get(v, "count"), "variants.count");
    pf(p, " variants. Click a variant to see its path on the map.</p>\n");
    if (n == 0) {
        section_end(p);
        return;
    }
    /* The chart: a bar per variant (share of journeys), a line through the cumulative shares. */
    double W = 640, H = 180, L = 40, B = 24, T = 8, bw = (W - L - 8) / (double)n;
    double maxshare = 0;
    for (const jm__mval *x = first(top); x != NULL; x = x->next) {
        const jm__mval *s = get(x, "share");
        double d = s && s->type == JM__M_RATIO && s->v.ratio.den
                       ? (double)s->v.ratio.num / (double)s->v.ratio.den
                       : 0;
        if (d > maxshare)
            maxshare = d;
    }
    pf(p,
       "<div class=chart><svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
       "role=img aria-label=\"Share of journeys per variant and cumulative coverage\">",
       W, H, W, H);
    pf(p, "<g font-size=\"10\" fill=\"#555\">");
    for (int g = 0; g <= 4; g++) {
        double y = T + (H - T - B) * (1 - g / 4.0);
        pf(p,
           "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
           "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
           L, W - 8, y, y, L - 4, y + 3, g * 25);
    }
    pf(p, "</g>");
    size_t i = 0;
    char pts[8192];
    size_t pl = 0;
    pts[0] = '\0';
    for (const jm__mval *x = first(top); x != NULL; x = x->next, i++) {
        const jm__mval *s = get(x, "share"), *c = get(x, "cumulative_share");
        double d = s && s->type == JM__M_RATIO && s->v.ratio.den
                       ? (double)s->v.ratio.num / (double)s->v.ratio.den
                       : 0;
        double cd = c && c->type == JM__M_RATIO && c->v.ratio.den
                        ? (double)c->v.ratio.num / (double)c->v.ratio.den
                        : 0;
        double h = (H - T - B) * d, x0 = L + bw * (double)i;
        char sh[40];
        pf(p,
           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#56B4E9\">"
           "<title>#%zu: %s of journeys</title></rect>",
           x0 + bw * 0.1, T + (H - T - B) - h, bw * 0.8, h, i + 1, shown(sh, s));
        if (pl + 40 < sizeof pts)
            pl += (size_t)snprintf(pts + pl, sizeof pts - pl, "%.1f,%.1f ", x0 + bw / 2,
                                   T + (H - T - B) * (1 - cd));
        if (n <= 30 || i % 5 == 0)
            pf(p,
               "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\" "
               "fill=\"#555\">%zu</text>",
               x0 + bw / 2, H - B + 12, i + 1);
    }
    pf(p, "<polyline points=\"%s\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"2\"/>", pts);
    pf(p, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">variant rank</text>", L,
       H - 2);
    pf(p, "</svg><p class=note><span style=\"color:#56B4E9\">&#9632;</span> share of journeys "
          "&nbsp; <span style=\"color:#D55E00\">&#9473;</span> cumulative coverage</p></div>\n");
    (void)maxshare;

    chans cs;
    chans_make(&cs, p->root);
    chips_legend(p, &cs);
    table_head(p, NULL, "#rank|#journeys|#share|#cumulative|#median duration|#mean duration|steps");
    i = 0;
    for (const jm__mval *x = first(top); x != NULL; x = x->next, i++) {
        pf(p, "<tr class=var data-i=\"%zu\">", i);
        num(p, "td", get(x, "rank"), "variants.top.%zu.rank", i);
        num(p, "td", get(x, "count"), "variants.top.%zu.count", i);
        pf(p, "<td class=\"n b\">");
        const jm__mval *s = get(x, "share");
        num(p, "span", s, "variants.top.%zu.share", i);
        pf(p, " ");
        bar(p,
            s && s->type == JM__M_RATIO && s->v.ratio.den
                ? (double)s->v.ratio.num / (double)s->v.ratio.den / (maxshare > 0 ? maxshare : 1)
                : 0,
            "share");
        pf(p, "</td>");
        num(p, "td", get(x, "cumulative_share"), "variants.top.%zu.cumulative_share", i);
        num(p, "td", get(x, "duration_s.median"), "variants.top.%zu.duration_s.median", i);
        num(p, "td", get(x, "duration_s.mean"), "variants.top.%zu.duration_s.mean", i);
        pf(p, "<td data-v=\"%zu\"><div class=chips>", count(get(x, "steps")));
        for (const jm__mval *st = first(get(x, "steps")); st != NULL; st = st->next)
            chip(p, &cs, st);
        pf(p, "</div><span class=note>id ");
        estr(p->f, get(x, "id"), "");
        pf(p, "</span></td></tr>\n");
    }
    table_end(p);
    free(cs.by_step);
    extras(p, v, "variants", "count|top");
    section_end(p);
}

/* ---- Journeys: histograms ---- */

/* A histogram of an array of {unit: value, journeys: n} as an SVG of bars (values beyond the
 * first 40 gathered into one last bar), each bar titled with its numbers. */
static void histogram(const page *p, const jm__mval *h, const char *unit, const char *key)
{
    size_t n = count(h);
    if (n == 0)
        return;
    enum { MAXBARS = 40 };
    size_t bars = n > MAXBARS ? MAXBARS : n;
    uint64_t vals[MAXBARS], js[MAXBARS], total = 0, maxj = 1;
    size_t i = 0;
    for (const jm__mval *e = first(h); e != NULL; e = e->next, i++) {
        size_t b = i < bars ? i : bars - 1;
        if (i < bars) {
            vals[b] = u(e, unit);
            js[b] = 0;
        }
        js[b] += u(e, "journeys");
        total += u(e, "journeys");
    }
    for (size_t b = 0; b < bars; b++)
        if (js[b] > maxj)
            maxj = js[b];
    double W = 560, H = 150, L = 8, B = 26, T = 14, bw = (W - 2 * L) / (double)bars;
    pf(p,
       "<div class=chart><svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
       "role=img aria-label=\"journeys by %s\">",
       W, H, W, H, unit);
    for (size_t b = 0; b < bars; b++) {
        double hh = (H - T - B) * (double)js[b] / (double)maxj, x = L + bw * (double)b;
        bool last = n > bars && b == bars - 1;
        pf(p,
           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#0072B2\">"
           "<title>%" PRIu64 "%s %.*s: %" PRIu64 " journey%s (%.1f%%)</title></rect>",
           x + bw * 0.1, T + (H - T - B) - hh, bw * 0.8, hh, vals[b], last ? " or more" : "",
           (int)strlen(unit) - (vals[b] == 1 && !last), unit, js[b], js[b] == 1 ? "" : "s",
           pct(js[b], total));
        if (bars <= 20 || b % 5 == 0 || last)
            pf(p,
               "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\" "
               "fill=\"#555\">%" PRIu64 "%s</text>",
               x + bw / 2, H - B + 12, vals[b], last ? "+" : "");
    }
    pf(p, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">%s per journey</text>", L,
       H - 2, unit);
    pf(p, "</svg></div>\n");
    table_head(p, NULL,
               unit[0] == 'c' && unit[1] == 'o' ? "#contacts|#journeys|#share"
                                                : "#channels|#journeys|#share");
    i = 0;
    for (const jm__mval *e = first(h); e != NULL; e = e->next, i++) {
        pf(p, "<tr>");
        num(p, "td", get(e, unit), "%s.%zu.%s", key, i, unit);
        num(p, "td", get(e, "journeys"), "%s.%zu.journeys", key, i);
        pf(p, "<td class=n data-v=\"%" PRIu64 "\">%.1f%%</td></tr>\n", u(e, "journeys"),
           pct(u(e, "journeys"), total));
    }
    table_end(p);
}

/* The durations' histogram (journeys.duration_s.histogram: buckets on a log scale) as bars, and
 * as a table. */
static void duration_histogram(const page *p, const jm__mval *h)
{
    size_t n = count(h), i = 0;
    if (n == 0)
        return;
    uint64_t mx = 1, total = 0;
    for (const jm__mval *e = first(h); e != NULL; e = e->next) {
        total += u(e, "journeys");
        if (u(e, "journeys") > mx)
            mx = u(e, "journeys");
    }
    double W = 560, H = 150, L = 8, B = 26, T = 14, bw = (W - 2 * L) / (double)n;
    pf(p,
       "<div class=chart><svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
       "role=img aria-label=\"journeys by duration, log scale\">",
       W, H, W, H);
    for (const jm__mval *e = first(h); e != NULL; e = e->next, i++) {
        char lo[32], hi[32];
        jm__fmt_human(lo, jm__m_msv(get(e, "from_s")));
        bool open = jm__m_isnull(get(e, "to_s"));
        if (!open)
            jm__fmt_human(hi, jm__m_msv(get(e, "to_s")));
        double hh = (H - T - B) * (double)u(e, "journeys") / (double)mx, x = L + bw * (double)i;
        pf(p,
           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#009E73\">"
           "<title>%s%s%s: %" PRIu64 " journey%s (%.1f%%)</title></rect>",
           x + bw * 0.1, T + (H - T - B) - hh, bw * 0.8, hh, lo, open ? " or more" : " to ",
           open ? "" : hi, u(e, "journeys"), u(e, "journeys") == 1 ? "" : "s",
           pct(u(e, "journeys"), total));
        pf(p,
           "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\" "
           "fill=\"#555\">%s%s</text>",
           x + bw / 2, H - B + 12, lo, open ? "+" : "");
    }
    pf(p,
       "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">journey duration (from "
       "each bound; log scale)</text></svg></div>\n",
       L, H - 2);
    table_head(p, NULL, "#from|#to|#journeys|#share");
    i = 0;
    for (const jm__mval *e = first(h); e != NULL; e = e->next, i++) {
        pf(p, "<tr>");
        num(p, "td", get(e, "from_s"), "journeys.duration_s.histogram.%zu.from_s", i);
        num(p, "td", get(e, "to_s"), "journeys.duration_s.histogram.%zu.to_s", i);
        num(p, "td", get(e, "journeys"), "journeys.duration_s.histogram.%zu.journeys", i);
        pf(p, "<td class=n data-v=\"%" PRIu64 "\">%.1f%%</td></tr>\n", u(e, "journeys"),
           pct(u(e, "journeys"), total));
    }
    table_end(p);
}

/* Durations on a log scale: median, p90, max and mean as bars from 1 s. */
static void durations(const page *p, const jm__mval *d)
{
    static const char *const k[] = {"median", "p90", "mean", "max"};
    double mx = 1;
    for (size_t i = 0; i < 4; i++) {
        double s = (double)jm__m_msv(get(d, k[i])) / 1000.0;
        if (s > mx)
            mx = s;
    }
    table_head(p, NULL, "journey duration|#value|on a log scale (1 s to the longest)");
    for (size_t i = 0; i < 4; i++) {
        double s = (double)jm__m_msv(get(d, k[i])) / 1000.0;
        pf(p, "<tr><td>%s</td>", k[i]);
        num(p, "td", get(d, k[i]), "journeys.duration_s.%s", k[i]);
        pf(p, "<td class=b>");
        bar(p, s > 1 ? log10(s) / log10(mx > 1.0001 ? mx : 1.0001) : 0, i == 1 ? "p90" : "x");
        pf(p, "</td></tr>\n");
    }
    table_end(p);
}

static void journeys_section(const page *p)
{
    const jm__mval *j = get(p->root, "journeys");
    section(p, "journeys", "Journeys");
    pf(p, "<p>");
    num(p, "b", get(j, "count"), "journeys.count");
    pf(p, " journeys of ");
    num(p, "span", get(j, "cases"), "journeys.cases");
    pf(p, " cases. Contacts per journey: median ");
    num(p, "span", get(j, "contacts.median"), "journeys.contacts.median");
    pf(p, ", p90 ");
    num(p, "span", get(j, "contacts.p90"), "journeys.contacts.p90");
    pf(p, ", max ");
    num(p, "span", get(j, "contacts.max"), "journeys.contacts.max");
    pf(p, ".</p>\n<h3>Contacts per journey</h3>\n");
    histogram(p, get(j, "contacts.histogram"), "contacts", "journeys.contacts.histogram");
    pf(p, "<h3>Channels per journey</h3>\n");
    if (jm__m_isnull(get(j, "channels"))) {
        pf(p, "<p>The log has no channel column.</p>\n");
    } else {
        pf(p, "<p>Median ");
        num(p, "span", get(j, "channels.median"), "journeys.channels.median");
        pf(p, ", p90 ");
        num(p, "span", get(j, "channels.p90"), "journeys.channels.p90");
        pf(p, ", max ");
        num(p, "span", get(j, "channels.max"), "journeys.channels.max");
        pf(p, ".</p>\n");
        histogram(p, get(j, "channels.histogram"), "channels", "journeys.channels.histogram");
    }
    pf(p, "<h3>Journey durations</h3>\n");
    duration_histogram(p, get(j, "duration_s.histogram"));
    durations(p, get(j, "duration_s"));
    extras(p, j, "journeys", "count|cases|contacts|channels|duration_s");
    section_end(p);
}

/* ---- Channel switches: the matrix as a heat map ---- */

static bool same_str(const jm__mval *a, const jm__mval *b)
{
    return a != NULL && b != NULL && a->type == JM__M_STR && b->type == JM__M_STR &&
           a->v.str.n == b->v.str.n && memcmp(a->v.str.s, b->v.str.s, a->v.str.n) == 0;
}

static void channels_section(const page *p)
{
    const jm__mval *c = get(p->root, "channels");
    section(p, "channels", "Channel switches");
    if (!is_true(get(c, "present"))) {
        pf(p, "<p>Absent: the log has no channel column (name one with --channel).</p>\n");
        section_end(p);
        return;
    }
    pf(p, "<p>");
    num(p, "b", get(c, "switches"), "channels.switches");
    pf(p, " switches in ");
    num(p, "b", get(c, "journeys_with_switch"), "channels.journeys_with_switch");
    pf(p, " journeys (");
    num(p, "span", get(c, "share_with_switch"), "channels.share_with_switch");
    pf(p, ").</p>\n");
    const jm__mval *m = get(c, "matrix");
    size_t n = count(m);
    if (n == 0) {
        section_end(p);
        return;
    }
    /* The channels named, in the order they first appear in the ranked matrix (at most 12). */
    enum { MAXCH = 12 };
    const jm__mval *ch[MAXCH];
    size_t nc = 0;
    uint64_t mx = 1;
    for (const jm__mval *h = first(m); h != NULL; h = h->next) {
        const jm__mval *ends[2] = {get(h, "from"), get(h, "to")};
        for (int e = 0; e < 2; e++) {
            size_t k = 0;
            while (k < nc && !same_str(ch[k], ends[e]))
                k++;
            if (k == nc && nc < MAXCH && ends[e] != NULL && ends[e]->type == JM__M_STR)
                ch[nc++] = ends[e];
        }
        if (u(h, "count") > mx)
            mx = u(h, "count");
    }
    pf(p, "<h3>From (rows) &rarr; to (columns): switches</h3>\n<div class=tw><table class=heat>"
          "<thead><tr><th scope=col>from \\ to</th>");
    for (size_t k = 0; k < nc; k++) {
        pf(p, "<th scope=col>");
        estr(p->f, ch[k], "");
        pf(p, "</th>");
    }
    pf(p, "</tr></thead><tbody>\n");
    for (size_t a = 0; a < nc; a++) {
        pf(p, "<tr><th scope=row>");
        estr(p->f, ch[a], "");
        pf(p, "</th>");
        for (size_t b = 0; b < nc; b++) {
            size_t i = 0;
            const jm__mval *h = first(m);
            for (; h != NULL; h = h->next, i++)
                if (same_str(get(h, "from"), ch[a]) && same_str(get(h, "to"), ch[b]))
                    break;
            if (h == NULL) {
                pf(p, "<td class=h></td>");
                continue;
            }
            /* Blues by the square root of the count: light for few, deep for many. */
            double x = sqrt((double)u(h, "count") / (double)mx);
            int r = (int)(239 - x * (239 - 8)), g = (int)(243 - x * (243 - 81)),
                bl = (int)(255 - x * (255 - 156));
            char key[64], rv[40];
            snprintf(key, sizeof key, "channels.matrix.%zu.count", i);
            pf(p,
               "<td class=\"h n\" style=\"background:#%02x%02x%02x;color:%s\" data-k=\"%s\" "
               "data-v=\"%s\">%s</td>",
               r, g, bl, x > 0.6 ? "#fff" : "#000", key, raw(rv, get(h, "count")), rv);
        }
        pf(p, "</tr>\n");
    }
    pf(p, "</tbody></table></div>\n");
    table_head(p, NULL, "from|to|#switches|#journeys|#median wait");
    size_t k = listed(p, n), i = 0;
    for (const jm__mval *h = first(m); h != NULL && i < k; h = h->next, i++) {
        pf(p, "<tr>");
        td_str(p, get(h, "from"), "");
        td_str(p, get(h, "to"), "");
        num(p, "td", get(h, "count"), "channels.matrix.%zu.count", i);
        num(p, "td", get(h, "journeys"), "channels.matrix.%zu.journeys", i);
        num(p, "td", get(h, "median_wait_s"), "channels.matrix.%zu.median_wait_s", i);
        pf(p, "</tr>\n");
    }
    table_end(p);
    listed_note(p, i, n, "channel hops");
    extras(p, c, "channels", "present|switches|journeys_with_switch|share_with_switch|matrix");
    section_end(p);
}

/* ---- Waits ---- */

static void waits_section(const page *p)
{
    const jm__mval *w = get(p->root, "waits"), *bt = get(w, "by_transition");
    section(p, "waits", "Waits per transition");
    pf(p, "<p>");
    num(p, "b", get(w, "long_waits"), "waits.long_waits");
    pf(p, " waits are longer than ");
    num(p, "span", get(w, "threshold_s"), "waits.threshold_s");
    pf(p, " (in ");
    num(p, "span", get(w, "journeys_with_long_wait"), "waits.journeys_with_long_wait");
    pf(p, " journeys); ");
    num(p, "span", get(w, "overlaps"), "waits.overlaps");
    pf(p, " contacts overlap the one before. Bars: median (blue) and p90 (orange) on a log "
          "scale.</p>\n");
    double mx = 1;
    for (const jm__mval *t = first(bt); t != NULL; t = t->next) {
        double s = (double)jm__m_msv(get(t, "p90_s")) / 1000.0;
        if (s > mx)
            mx = s;
    }
    double lm = log10(mx > 1.0001 ? mx : 1.0001);
    table_head(p, NULL, "from|to|#waits|#median|#p90|median and p90|#max|#total|#long");
    size_t n = count(bt), k = listed(p, n), i = 0;
    for (const jm__mval *t = first(bt); t != NULL && i < k; t = t->next, i++) {
        pf(p, "<tr>");
        td_str(p, get(t, "from"), "");
        td_str(p, get(t, "to"), "");
        num(p, "td", get(t, "count"), "waits.by_transition.%zu.count", i);
        num(p, "td", get(t, "median_s"), "waits.by_transition.%zu.median_s", i);
        num(p, "td", get(t, "p90_s"), "waits.by_transition.%zu.p90_s", i);
        double md = (double)jm__m_msv(get(t, "median_s")) / 1000.0,
               p9 = (double)jm__m_msv(get(t, "p90_s")) / 1000.0;
        pf(p, "<td class=b data-v=\"%.3f\">", md);
        bar(p, md > 1 ? log10(md) / lm : 0, "x");
        pf(p, "<br>");
        bar(p, p9 > 1 ? log10(p9) / lm : 0, "p90");
        pf(p, "</td>");
        num(p, "td", get(t, "max_s"), "waits.by_transition.%zu.max_s", i);
        num(p, "td", get(t, "total_s"), "waits.by_transition.%zu.total_s", i);
        num(p, "td", get(t, "long_waits"), "waits.by_transition.%zu.long_waits", i);
        pf(p, "</tr>\n");
    }
    table_end(p);
    listed_note(p, i, n, "transitions");
    extras(p, w, "waits",
           "threshold_s|long_waits|journeys_with_long_wait|overlaps|by_transition|longest");
    section_end(p);
}

static void loops_section(const page *p)
{
    const jm__mval *l = get(p->root, "loops"), *bs = get(l, "by_step");
    section(p, "loops", "Loops per step");
    pf(p, "<p>");
    num(p, "b", get(l, "self_loops"), "loops.self_loops");
    pf(p, " self-loops (a step straight after itself) and ");
    num(p, "b", get(l, "repetitions"), "loops.repetitions");
    pf(p, " repetitions (a step seen earlier in the journey) in ");
    num(p, "span", get(l, "journeys_with_loop"), "loops.journeys_with_loop");
    pf(p, " journeys (");
    num(p, "span", get(l, "share_with_loop"), "loops.share_with_loop");
    pf(p, ").</p>\n");
    if (count(bs) > 0) {
        uint64_t mx = 1;
        for (const jm__mval *s = first(bs); s != NULL; s = s->next)
            if (u(s, "journeys") > mx)
                mx = u(s, "journeys");
        table_head(p, NULL, "step|#self-loops|#repetitions|#journeys|");
        size_t n = count(bs), k = listed(p, n), i = 0;
        for (const jm__mval *s = first(bs); s != NULL && i < k; s = s->next, i++) {
            pf(p, "<tr>");
            td_str(p, get(s, "step"), "");
            num(p, "td", get(s, "self_loops"), "loops.by_step.%zu.self_loops", i);
            num(p, "td", get(s, "repetitions"), "loops.by_step.%zu.repetitions", i);
            num(p, "td", get(s, "journeys"), "loops.by_step.%zu.journeys", i);
            pf(p, "<td class=b data-v=\"%" PRIu64 "\">", u(s, "journeys"));
            bar(p, (double)u(s, "journeys") / (double)mx, "x");
            pf(p, "</td></tr>\n");
        }
        table_end(p);
        listed_note(p, i, n, "steps");
    }
    extras(p, l, "loops", "self_loops|repetitions|journeys_with_loop|share_with_loop|by_step");
    section_end(p);
}

static void longest_section(const page *p)
{
    const jm__mval *lw = get(p->root, "waits.longest");
    section(p, "longest", "The longest waits");
    if (count(lw) == 0) {
        pf(p, "<p>No waits.</p>\n");
        section_end(p);
        return;
    }
    table_head(p, NULL, "case|from|to|#wait|#from (instant)|#until");
    size_t i = 0;
    for (const jm__mval *w = first(lw); w != NULL; w = w->next, i++) {
        pf(p, "<tr>");
        td_str(p, get(w, "case"), "");
        td_str(p, get(w, "from"), "");
        td_str(p, get(w, "to"), "");
        num(p, "td", get(w, "wait_s"), "waits.longest.%zu.wait_s", i);
        num(p, "td", get(w, "at"), "waits.longest.%zu.at", i);
        num(p, "td", get(w, "until"), "waits.longest.%zu.until", i);
        pf(p, "</tr>\n");
    }
    table_end(p);
    section_end(p);
}

/* ---- A section the page does not know: its scalars, then its arrays and objects ---- */

static void generic(const page *p, const jm__mval *obj, const char *path, int depth);

/* An array of objects as a sortable table: a column per scalar member of the first row. */
static void generic_table(const page *p, const jm__mval *arr, const char *path)
{
    const char *cols[32];
    size_t nc = 0;
    for (const jm__mval *c = first(first(arr)); c != NULL && nc < 32; c = c->next)
        if (!c->hidden && c->type != JM__M_ARR && c->type != JM__M_OBJ)
            cols[nc++] = c->key;
    if (nc == 0)
        return;
    pf(p, "<div class=tw><table class=sort><thead><tr>");
    for (size_t i = 0; i < nc; i++) {
        pf(p, "<th scope=col>");
        escs(p->f, cols[i]);
        pf(p, "</th>");
    }
    pf(p, "</tr></thead><tbody>\n");
    size_t n = count(arr), k = listed(p, n), r = 0;
    for (const jm__mval *e = first(arr); e != NULL && r < k; e = e->next, r++) {
        pf(p, "<tr>");
        for (size_t i = 0; i < nc; i++) {
            const jm__mval *v = jm__m_get(e, cols[i]);
            if (v != NULL && v->type == JM__M_STR)
                td_str(p, v, "");
            else if (v != NULL && v->type != JM__M_ARR && v->type != JM__M_OBJ &&
                     v->type != JM__M_BOOL)
                num(p, "td", v, "%s.%zu.%s", path, r, cols[i]);
            else
                pf(p, "<td>%s</td>", v == NULL ? "" : is_true(v) ? "yes" : "no");
        }
        pf(p, "</tr>\n");
    }
    table_end(p);
    listed_note(p, r, n, "rows");
}

static void generic(const page *p, const jm__mval *obj, const char *path, int depth)
{
    bool any = false;
    for (const jm__mval *v = first(obj); v != NULL; v = v->next) {
        if (v->hidden || v->type == JM__M_OBJ ||
            (v->type == JM__M_ARR && first(v) != NULL && first(v)->type == JM__M_OBJ))
            continue;
        if (!any)
            pf(p, "<dl class=kv>");
        any = true;
        char key[256];
        snprintf(key, sizeof key, "%s.%s", path, v->key);
        pf(p, "<dt>");
        escs(p->f, v->key);
        pf(p, "</dt>");
        if (v->type == JM__M_STR) {
            pf(p, "<dd>");
            estr(p->f, v, "");
            pf(p, "</dd>");
        } else if (v->type == JM__M_ARR) {
            pf(p, "<dd>");
            size_t i = 0;
            for (const jm__mval *e = first(v); e != NULL; e = e->next, i++) {
                pf(p, "%s", i ? ", " : "");
                if (e->type == JM__M_STR)
                    estr(p->f, e, "");
                else if (e->type == JM__M_ARR)
                    pf(p, "&hellip;");
                else
                    num(p, "span", e, "%s.%zu", key, i);
            }
            pf(p, "</dd>");
        } else if (v->type == JM__M_BOOL || v->type == JM__M_NULL) {
            pf(p, "<dd>%s</dd>", v->type == JM__M_NULL ? "-" : v->v.b ? "yes" : "no");
        } else {
            num(p, "dd", v, "%s", key);
        }
    }
    if (any)
        pf(p, "</dl>\n");
    for (const jm__mval *v = first(obj); v != NULL; v = v->next) {
        if (v->hidden)
            continue;
        char key[256];
        snprintf(key, sizeof key, "%s.%s", path, v->key);
        if (v->type == JM__M_OBJ) {
            pf(p, "<h%d>", depth < 4 ? depth + 1 : 5);
            escs(p->f, v->key);
            pf(p, "</h%d>\n", depth < 4 ? depth + 1 : 5);
            generic(p, v, key, depth + 1);
        } else if (v->type == JM__M_ARR && first(v) != NULL && first(v)->type == JM__M_OBJ) {
            pf(p, "<h%d>", depth < 4 ? depth + 1 : 5);
            escs(p->f, v->key);
            pf(p, "</h%d>\n", depth < 4 ? depth + 1 : 5);
            generic_table(p, v, key);
        }
    }
}

static bool handled_key(const char *handled, const char *key)
{
    size_t n = strlen(key);
    while (*handled) {
        size_t k = strcspn(handled, "|");
        if (k == n && memcmp(handled, key, n) == 0)
            return true;
        handled += k + (handled[k] == '|');
    }
    return false;
}

static void extras(const page *p, const jm__mval *sec, const char *path, const char *handled)
{
    bool scalars = false;
    for (const jm__mval *v = first(sec); v != NULL; v = v->next) {
        if (v->hidden || handled_key(handled, v->key))
            continue;
        char key[256];
        snprintf(key, sizeof key, "%s.%s", path, v->key);
        if (v->type == JM__M_OBJ) {
            pf(p, "<h3>");
            escs(p->f, v->key);
            pf(p, "</h3>\n");
            generic(p, v, key, 3);
        } else if (v->type == JM__M_ARR && first(v) != NULL && first(v)->type == JM__M_OBJ) {
            pf(p, "<h3>");
            escs(p->f, v->key);
            pf(p, "</h3>\n");
            generic_table(p, v, key);
        } else if (v->type != JM__M_ARR && v->type != JM__M_NULL) {
            pf(p, "%s<dt>", scalars ? "" : "<dl class=kv>");
            scalars = true;
            escs(p->f, v->key);
            pf(p, "</dt>");
            if (v->type == JM__M_STR) {
                pf(p, "<dd>");
                estr(p->f, v, "");
                pf(p, "</dd>");
            } else if (v->type == JM__M_BOOL) {
                pf(p, "<dd>%s</dd>", v->v.b ? "yes" : "no");
            } else {
                num(p, "dd", v, "%s", key);
            }
        }
    }
    if (scalars)
        pf(p, "</dl>\n");
}

/* A section heading from its key: "business_time" reads "Business time". */
static void generic_section(const page *p, const jm__mval *s, const char *cls)
{
    char title[64];
    size_t n = 0;
    for (const char *k = s->key; *k && n < sizeof title - 1; k++, n++)
        title[n] = n == 0 && *k >= 'a' && *k <= 'z' ? (char)(*k - 'a' + 'A') : *k == '_' ? ' ' : *k;
    title[n] = '\0';
    pf(p, "<section id=\"s-");
    escs(p->f, s->key);
    pf(p, "\"%s%s><h2>", cls ? " class=" : "", cls ? cls : "");
    escs(p->f, title);
    pf(p, "</h2>\n");
    if (s->type == JM__M_OBJ)
        generic(p, s, s->key, 2);
    else if (s->type == JM__M_ARR && first(s) != NULL && first(s)->type == JM__M_OBJ)
        generic_table(p, s, s->key);
    section_end(p);
}

/* ---- Input accounting ---- */

static void input_section(const page *p)
{
    const jm__mval *in = get(p->root, "input");
    section(p, "input", "Input");
    pf(p, "<p>Rows read ");
    num(p, "b", get(in, "rows"), "input.rows");
    pf(p, ": ");
    num(p, "b", get(in, "events"), "input.events");
    pf(p, " events, ");
    num(p, "b", get(in, "rejected"), "input.rejected");
    pf(p, " rejected. Encoding ");
    estr(p->f, get(in, "encoding"), "");
    pf(p, "; time format ");
    estr(p->f, get(in, "time_format"), "");
    pf(p, ".</p>\n");
    if (u(in, "rejected") > 0) {
        pf(p, "<h3>Rejected rows by reason</h3>\n");
        table_head(p, NULL, "reason|#rows");
        for (const jm__mval *r = first(get(in, "rejected_by_reason")); r != NULL; r = r->next) {
            if (jm__m_u(r) == 0)
                continue;
            pf(p, "<tr><td>");
            escs(p->f, r->key);
            pf(p, "</td>");
            num(p, "td", r, "input.rejected_by_reason.%s", r->key);
            pf(p, "</tr>\n");
        }
        table_end(p);
    }
    pf(p, "<h3>Columns</h3>\n<dl class=kv>");
    for (const jm__mval *c = first(get(in, "columns")); c != NULL; c = c->next) {
        pf(p, "<dt>");
        escs(p->f, c->key);
        pf(p, "</dt><dd>");
        estr(p->f, c, "-");
        pf(p, "</dd>");
    }
    pf(p, "</dl>\n<dl class=kv>");
    /* The other counts of the section (blank lines, duplicates, rows filtered out, ...). */
    for (const jm__mval *c = first(in); c != NULL; c = c->next) {
        if (c->hidden || c->type != JM__M_UINT || strcmp(c->key, "rows") == 0 ||
            strcmp(c->key, "events") == 0 || strcmp(c->key, "rejected") == 0)
            continue;
        pf(p, "<dt>");
        escs(p->f, c->key);
        pf(p, "</dt>");
        num(p, "dd", c, "input.%s", c->key);
    }
    pf(p, "<dt>pseudonymized ids</dt><dd>%s</dd>",
       is_true(get(p->root, "privacy.pseudonymized")) ? "yes" : "no");
    pf(p, "</dl>\n");
    const jm__mval *lc = get(in, "lifecycle");
    if (lc != NULL && lc->type == JM__M_OBJ) {
        pf(p, "<h3>Lifecycle</h3>\n");
        generic(p, lc, "input.lifecycle", 3);
    }
    pf(p, "<h3>Files</h3>\n<ol class=files>");
    for (const jm__mval *f = first(get(in, "files")); f != NULL; f = f->next) {
        pf(p, "<li>");
        estr(p->f, f, "");
        pf(p, "</li>");
    }
    pf(p, "</ol>\n");
    section_end(p);
}

/* ---- The page ---- */

/* The sections the page renders itself, in the page's order; any other section of the model
 * is shown plainly (generic_section) before the input accounting. */
static const char *const known[] = {"input", "journeys", "variants",  "loops",   "channels",
                                    "waits", "map",      "act_first", "privacy", "filters"};

static bool is_known(const char *key)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i], key) == 0)
            return true;
    return false;
}

/* The JSON report, with every '<' written as \u003c (valid JSON, and no "</script>" or "<!--"
 * can end or confuse the element). */
static void embedded_json(const page *p)
{
    char *json = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&json, &len);
    if (mem == NULL)
        jm__die("html: out of memory");
    jm__json_model(p->root, mem);
    fclose(mem);
    pf(p, "<script type=\"application/json\" id=\"jmine-report\">\n");
    const char *s = json, *e = json + len;
    while (s < e) {
        const char *lt = memchr(s, '<', (size_t)(e - s));
        size_t n = lt ? (size_t)(lt - s) : (size_t)(e - s);
        fwrite(s, 1, n, p->f);
        if (lt == NULL)
            break;
        fputs("\\u003c", p->f);
        s = lt + 1;
    }
    pf(p, "</script>\n");
    free(json);
}

void jm__html_report(const jm__mval *root, FILE *f)
{
    page pg = {f, root};
    const page *p = &pg;
    const jm__mval *tz = get(root, "tz");
    pf(p, "<!DOCTYPE html>\n<html lang=\"en\"");
    if (tz != NULL && tz->type == JM__M_STR) {
        pf(p, " data-tz=\"");
        estr(f, tz, "");
        pf(p, "\"");
    }
    pf(p, ">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
          "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
          "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<meta name=\"generator\" content=\"jmine\">\n<title>Journey "
          "report</title>\n<style>\n");
    put_all(f, css);
    pf(p, "</style>\n</head>\n<body>\n");
    pf(p, "<header><h1>Journey report</h1>\n<p class=files>");
    size_t i = 0;
    for (const jm__mval *x = first(get(root, "input.files")); x != NULL; x = x->next, i++) {
        if (i)
            pf(p, ", ");
        estr(f, x, "");
    }
    pf(p, "</p>\n<nav class=toc><a href=\"#summary\">Summary</a><a href=\"#act-first\">Act "
          "first</a><a href=\"#map\">Map</a><a href=\"#variants\">Variants</a><a "
          "href=\"#journeys\">Journeys</a><a href=\"#channels\">Channels</a><a "
          "href=\"#waits\">Waits</a><a href=\"#loops\">Loops</a><a href=\"#longest\">Longest "
          "waits</a><a href=\"#input\">Input</a></nav>\n");
    pf(p, "<div class=\"ctl noprint\" id=tz-ctl hidden>Instants in <button type=button "
          "data-zone=utc aria-pressed=true>UTC</button><button type=button data-zone=local "
          "aria-pressed=false>");
    estr(f, tz, "local time");
    pf(p, "</button></div>\n</header>\n<main>\n");
    const jm__mval *filters = get(root, "filters");
    if (filters != NULL && !filters->hidden)
        generic_section(p, filters, "filters");
    summary(p);
    act_first(p);
    map_section(p);
    variants_section(p);
    journeys_section(p);
    channels_section(p);
    waits_section(p);
    loops_section(p);
    longest_section(p);
    for (const jm__mval *v = first(root); v != NULL; v = v->next)
        if (!v->hidden && (v->type == JM__M_OBJ || v->type == JM__M_ARR) && !is_known(v->key))
            generic_section(p, v, NULL);
    input_section(p);
    pf(p, "</main>\n<footer><p class=note>Written by jmine. Every number on this page is the "
          "JSON report's (embedded below as #jmine-report).</p></footer>\n");
    embedded_json(p);
    pf(p, "<script>\n");
    put_all(f, js);
    pf(p, "</script>\n</body>\n</html>\n");
}
