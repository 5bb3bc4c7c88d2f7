#!/usr/bin/env python3
"""Checks the generated walkthrough (make docs runs it after Doxygen, so make check does too).

    python3 tools/check_docs.py BUILD/docs/html

It checks both editions: the English one in html/ and the Chinese one in html/zh/
(docs/Doxyfile.zh), linked to each other by every page's language switch.
Doxygen's own warnings (tools/docs.sh fails on any) do not see what a reader sees. This does:
1. No broken internal link: every href and src inside the HTML names a file that exists, and its
   #anchor, if any, is an id or name in that file. Links to other sites are not followed.
2. Everything is reachable from index.html by following links: every chapter, every page, every
   class and file page, and the autograder's reference (html/autograder/). The menu at the top of
   each page counts (menudata.js); the tree view on the left, which repeats it, does not.
3. Every \\man{name,section} is well formed: in the sources, two arguments, a name a man page can
   have, a section from 1 to 8; in the HTML, every man7.org link has the pattern of a man page
   (https://man7.org/linux/man-pages/manN/name.N.html). Where this machine has the Linux manual
   (/usr/share/man, Debian's manpages and manpages-dev, which make setup installs), the page must
   be in it: a misspelt name would be a dead link.
4. Every system call and library function of the kit's vocabulary (CALLS below) that a chapter or
   a page of docs/ names in code (`epoll_wait`, `fcntl(fd, ...)`) has a \\man link on that page,
   at its first mention or in the chapter's "Read more". Code blocks and the generated graded
   tables do not count.
5. No command-line flag shown as an en dash: Doxygen turns `--port` outside code into "–port".
Each problem is printed with the file it is in; the exit status is 1 if there is any.
"""

import collections
import glob
import html
import os
import re
import sys
import urllib.parse

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN7 = re.compile(r"https?://man7\.org/linux/man-pages/man")
MAN7_PAGE = re.compile(
    r"https://man7\.org/linux/man-pages/man([1-8])/([A-Za-z0-9_][A-Za-z0-9_.:+-]*)\.([1-8])\.html"
)
# The alias in a source file: \man{name,section} (or @man{...}); MAN_USE finds every use, well
# formed or not, MAN_ALIAS is a well formed one.
MAN_USE = re.compile(r"[\\@]man\b(\{[^}\n]*\}?)?")
MAN_ALIAS = re.compile(r"\{([A-Za-z0-9_][A-Za-z0-9_.:+-]*),([1-8])\}")
# Where the alias may be used: what the two Doxyfiles read.
SOURCES = ["docs/*.md", "lab0*/README.md", "lab0*/README.zh-CN.md", "lab0*/*.h", "lab0*/bench/*.h"]
SOURCES += ["common/*.h"]
SOURCES += ["testkit/*.h", "testkit/shortio/*.md"]
# The calls the chapters teach or name, with their manual's section. `exit` and `system` are not
# here: the chapters also use them as words (the line a user types, a reserved nickname).
CALLS = {
    **dict.fromkeys(
        "socket bind listen accept accept4 connect send recv setsockopt getsockopt getsockname"
        " shutdown close read write readv writev recvfrom recvmsg sendto sendmsg socketpair"
        " poll select epoll_create epoll_create1 epoll_ctl epoll_wait fcntl dup dup2 fork pipe"
        " pipe2 waitpid execve prctl getppid getpid _exit _Exit kill sigaction sigprocmask"
        " signalfd eventfd setsid setrlimit getrlimit mmap".split(),
        "2",
    ),
    **dict.fromkeys(
        "errno getaddrinfo atexit fgets fputs fwrite printf sprintf snprintf strlen strncasecmp"
        " malloc mallopt malloc_trim fopencookie isatty usleep tolower strerror".split(),
        "3",
    ),
}
PAGES = ["docs/*.md", "lab0*/README.md", "lab0*/README.zh-CN.md"]
EN_DASH_FLAG = re.compile(r"(?:\u2013|&ndash;)[a-z]")
LOCAL_MAN = "/usr/share/man"


# Pages written in Markdown (chapters, docs/, walkthroughs), whose prose must hold no raw "**", and
# what of them is code (where "**" is C++).
PROSE_PAGE = re.compile(
    r"^(md_.*|walkthrough-.*|index|mistakes|glossary|protocol|architecture)\.html$"
)
CODE_BLOCKS = re.compile(
    r'<div class="fragment">.*?</div><!-- fragment -->|<(pre|code|tt|script)\b.*?</\1>', re.S
)
RAW_BOLD = re.compile(r"(?<![*\\])\*\*[^\s*]")
TAG = re.compile(r"<[A-Za-z][^>]*>")
ATTRIBUTE = re.compile(r'\s(href|src|id|name)\s*=\s*"([^"]*)"')


class Page:
    """The links (href, src) and the anchors (id, name) of one HTML file. Doxygen's HTML is
    regular enough for a regular expression over its tags, several times faster than a parser."""

    def __init__(self, text):
        self.links = []
        self.anchors = set()
        for tag in TAG.finditer(text):
            for attribute, value in ATTRIBUTE.findall(tag.group(0)):
                value = html.unescape(value)
                if attribute in ("id", "name"):
                    self.anchors.add(value)
                else:
                    self.links.append(value)
        # A directory page of a folder with no header (docs/, testkit/ here) is empty, and
        # Doxygen links it from nowhere: it is not a page anyone can miss.
        self.empty = bool(re.search(r'<div class="contents">\s*</div>', text))


def is_external(link):
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", link))


def local_man_page(name, section):
    """True if this machine's manual has the page, None if it has no manual to ask."""
    folder = os.path.join(LOCAL_MAN, "man" + section)
    if not os.path.isdir(folder):
        return None
    return any(os.path.exists(os.path.join(folder, f"{name}.{section}{z}")) for z in ("", ".gz"))


def check_sources(problems):
    """Every \\man in a source file is \\man{name,section} with a page that exists."""
    uses = collections.Counter()
    for pattern in SOURCES:
        for path in sorted(glob.glob(os.path.join(TOP, pattern))):
            rel = os.path.relpath(path, TOP)
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    # In a code span the alias is text, shown as written (this page's own words).
                    for m in MAN_USE.finditer(re.sub(r"`[^`]*`", "", line)):
                        alias = MAN_ALIAS.fullmatch(m.group(1) or "")
                        if not alias:
                            problems.append(
                                f"{rel}:{number}: '{m.group(0)}' is no \\man{{name,section}} "
                                "(a name, a comma, a section from 1 to 8, no spaces)"
                            )
                            continue
                        name, section = alias.groups()
                        if local_man_page(name, section) is False:
                            problems.append(
                                f"{rel}:{number}: \\man{{{name},{section}}}: no such page in "
                                f"{LOCAL_MAN}/man{section}: a misspelt name or a wrong section"
                            )
                        uses[(name, section)] += 1
    return uses


def check_coverage(problems):
    """Every call of CALLS that a page names in code has a \\man link on that page."""
    for pattern in PAGES:
        for path in sorted(glob.glob(os.path.join(TOP, pattern))):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            linked = {m.group(1) for m in re.finditer(r"[\\@]man\{([^,}]+),", text)}
            prose = re.sub(r"```.*?```", "", text, flags=re.S)
            prose = re.sub(r"<!-- graded-table.*?end -->", "", prose, flags=re.S)
            named = {}
            for span in re.findall(r"`([^`\n]+)`", prose):
                m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(\(.*\))?", span.strip())
                if m and m.group(1) in CALLS:
                    named.setdefault(m.group(1), span)
            for name in sorted(set(named) - linked):
                rel = os.path.relpath(path, TOP)
                problems.append(
                    f"{rel}: names `{named[name]}` but links no man page for {name}: write "
                    f"\\man{{{name},{CALLS[name]}}} at its first mention or in Read more"
                )


def check_html(root, problems):
    """Links, anchors, man7.org links and flags of every HTML file under root."""
    pages = {}
    for path in glob.glob(os.path.join(root, "**", "*.html"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        pages[os.path.normpath(path)] = Page(text)
        rel = os.path.relpath(path, root)
        for m in EN_DASH_FLAG.finditer(text):
            context = text[max(0, m.start() - 40) : m.end() + 20].replace("\n", " ")
            problems.append(
                f"{rel}: a flag shown as an en dash ('{context}'): write it in a code span"
            )
        if PROSE_PAGE.search(os.path.basename(path)):
            for m in RAW_BOLD.finditer(CODE_BLOCKS.sub("", text)):
                context = m.string[max(0, m.start() - 40) : m.end() + 20].replace("\n", " ")
                problems.append(
                    f"{rel}: Markdown bold shown raw ('{context}'): Doxygen did not pair the **"
                    " (beside Chinese text, a code span or a quote): write <b>...</b>"
                )
        if "\\man{" in text or "@man{" in text:
            problems.append(f"{rel}: a \\man alias was not expanded (a typo in its arguments?)")

    # The menu at the top of every page (Main Page, Related Pages, Classes, Files) is drawn by a
    # script from menudata.js: its links count as links of index.html, the page a reader starts on.
    for menu in glob.glob(os.path.join(root, "**", "menudata.js"), recursive=True):
        index = os.path.normpath(os.path.join(os.path.dirname(menu), "index.html"))
        with open(menu, encoding="utf-8") as f:
            urls = re.findall(r'url:"([^"]+)"', f.read())
        if index in pages:
            pages[index].links.extend(urls)

    graph = collections.defaultdict(set)
    man_links = set()
    checked = 0
    for path, page in pages.items():
        rel = os.path.relpath(path, root)
        for link in page.links:
            if MAN7.match(link):
                man_links.add(link)
                address = MAN7_PAGE.fullmatch(link)
                if not address or address.group(1) != address.group(3):
                    problems.append(f"{rel}: '{link}' is not the address of a man page")
                continue
            if is_external(link) or link.startswith("//"):
                continue
            target, _, anchor = link.partition("#")
            target = urllib.parse.unquote(target.split("?", 1)[0])
            file = os.path.normpath(os.path.join(os.path.dirname(path), target)) if target else path
            checked += 1
            if not os.path.exists(file):
                problems.append(
                    f"{rel}: broken link '{link}': no file {os.path.relpath(file, root)}"
                )
                continue
            if file.endswith(".html"):
                graph[path].add(file)
                if (
                    anchor
                    and file in pages
                    and urllib.parse.unquote(anchor) not in pages[file].anchors
                ):
                    problems.append(f"{rel}: broken link '{link}': no anchor #{anchor} there")
    return pages, graph, man_links, checked


def check_reachable(root, pages, graph, problems):
    """Every HTML page can be reached from index.html by following links."""
    start = os.path.normpath(os.path.join(root, "index.html"))
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    searches = tuple(
        os.path.join(root, *edition, "search") + os.sep
        for edition in ((), ("autograder",), ("zh",))
    )
    for path in sorted(pages):
        if path in seen or pages[path].empty:
            continue
        if path.startswith(searches):
            continue
        problems.append(
            f"{os.path.relpath(path, root)}: not reachable from index.html by any chain of links"
        )
    return len(seen)


def main(argv):
    if len(argv) != 1 or not os.path.isfile(os.path.join(argv[0], "index.html")):
        print("usage: check_docs.py BUILD/docs/html (the folder with index.html)", file=sys.stderr)
        return 2
    root = os.path.abspath(argv[0])
    problems = []
    uses = check_sources(problems)
    check_coverage(problems)
    pages, graph, man_links, checked = check_html(root, problems)
    reached = check_reachable(root, pages, graph, problems)
    for problem in problems:
        print("check_docs: " + problem)
    print(
        f"check_docs: {len(pages)} pages ({reached} reachable from index.html), "
        f"{checked} internal links, {len(man_links)} man pages linked "
        f"({sum(uses.values())} \\man uses in the sources): "
        + (f"{len(problems)} problem(s)" if problems else "all good")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
