#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/mail/sanitize.hpp"

using ferry::mail::default_policy;
using ferry::mail::sanitize_html;

namespace {

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

// The output with the serializer's escapes undone, lower-cased: what a browser would see
// as text and attribute values.
std::string decoded(const std::string& html) {
  std::string s = html;
  replace_all(s, "&lt;", "<");
  replace_all(s, "&gt;", ">");
  replace_all(s, "&quot;", "\"");
  replace_all(s, "&amp;", "&");
  return lower(s);
}

struct tag {
  std::string name;
  std::vector<std::string> attributes;
};

// Tags as written by the serializer (every raw '<' in the output starts a tag: text is
// escaped), with their attribute names.
std::vector<tag> tags_of(const std::string& html) {
  std::vector<tag> tags;
  for (std::size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    const std::size_t end = html.find('>', i);
    REQUIRE(end != std::string::npos);
    std::string body = html.substr(i + 1, end - i - 1);
    if (!body.empty() && body[0] == '/') continue;
    tag t;
    std::size_t p = 0;
    while (p < body.size() && body[p] != ' ') t.name += body[p++];
    while (p < body.size()) {
      while (p < body.size() && body[p] == ' ') ++p;
      std::string name;
      while (p < body.size() && body[p] != '=' && body[p] != ' ') name += body[p++];
      if (p < body.size() && body[p] == '=') {
        REQUIRE(body[p + 1] == '"');
        p = body.find('"', p + 2) + 1;  // values never contain a raw quote
      }
      if (!name.empty()) t.attributes.push_back(name);
    }
    tags.push_back(t);
  }
  return tags;
}

void check_safe(const std::string& input) {
  INFO("input: " << input);
  const std::string out = sanitize_html(input);
  INFO("output: " << out);
  const std::string d = decoded(out);
  CHECK(d.find("<script") == std::string::npos);
  CHECK(d.find("javascript:") == std::string::npos);
  CHECK(d.find("vbscript:") == std::string::npos);
  CHECK(d.find("data:text") == std::string::npos);
  const auto policy = default_policy();
  for (const auto& t : tags_of(out)) {
    CHECK(policy.allowed_tags.count(t.name) == 1);
    for (const auto& a : t.attributes) {
      CHECK(a.rfind("on", 0) != 0);
      CHECK(a != "style");
    }
  }
}

// The XSS filter evasion corpus: script tags, event handlers, javascript:/vbscript:/data: URLs
// (entity-encoded, split by control characters, mixed case), styles, frames, SVG and MathML, and
// parser confusion. Data, not logic: each entry must come out of sanitize_html harmless.
const std::vector<std::string> xss_evasion_corpus = {
    R"V(<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>)V",
    R"V(<script>alert('XSS')</script>)V",
    R"V(<IMG SRC="javascript:alert('XSS');">)V",
    R"V(<IMG SRC=javascript:alert('XSS')>)V",
    R"V(<IMG SRC=JaVaScRiPt:alert('XSS')>)V",
    R"V(<IMG SRC=`javascript:alert("RSnake says, 'XSS'")`>)V",
    R"V(<a onmouseover="alert(document.cookie)">xxs link</a>)V",
    R"V(<IMG """><SCRIPT>alert("XSS")</SCRIPT>">)V",
    R"V(<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>)V",
    R"V(<IMG SRC=# onmouseover="alert('xxs')">)V",
    R"V(<IMG SRC= onmouseover="alert('xxs')">)V",
    R"V(<IMG onmouseover="alert('xxs')">)V",
    R"V(<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>)V",
    R"V(<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">)V",
    R"V(<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>)V",
    R"V(<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>)V",
    R"V(<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>)V",
    R"V(<IMG SRC="jav	ascript:alert('XSS');">)V",
    R"V(<IMG SRC="jav&#x09;ascript:alert('XSS');">)V",
    R"V(<IMG SRC="jav&#x0A;ascript:alert('XSS');">)V",
    R"V(<IMG SRC="jav&#x0D;ascript:alert('XSS');">)V",
    "<IMG SRC=java\0script:alert(\"XSS\")>",
    R"V(<IMG SRC=" &#14;  javascript:alert('XSS');">)V",
    R"V(<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>)V",
    R"V(<BODY onload!#$%&()*~+-_.,:;?@[/|\]^`=alert("XSS")>)V",
    R"V(<SCRIPT/SRC="https://xss.example/xss.js"></SCRIPT>)V",
    R"V(<<SCRIPT>alert("XSS");//<</SCRIPT>)V",
    R"V(<SCRIPT SRC=https://xss.example/xss.js?< B >)V",
    R"V(<SCRIPT SRC=//xss.example/.j>)V",
    R"V(<IMG SRC="`<javascript:alert>`('XSS')")V",
    R"V(<iframe src=https://xss.example/scriptlet.html <)V",
    R"V(<IFRAME SRC="javascript:alert('XSS');"></IFRAME>)V",
    R"V(<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>)V",
    R"V(<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>)V",
    R"V(</TITLE><SCRIPT>alert("XSS");</SCRIPT>)V",
    R"V(<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">)V",
    R"V(<BODY BACKGROUND="javascript:alert('XSS')">)V",
    R"V(<IMG DYNSRC="javascript:alert('XSS')">)V",
    R"V(<IMG LOWSRC="javascript:alert('XSS')">)V",
    R"V(<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>)V",
    R"V(<svg/onload=alert('XSS')>)V",
    R"V(<svg><script>alert(1)</script></svg>)V",
    R"V(<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>)V",
    R"V(<math><mi xlink:href="javascript:alert(1)">click</mi></math>)V",
    R"V(<math><maction actiontype="statusline" xlink:href="javascript:alert(2)">x</maction></math>)V",
    R"V(<a href="  javascript:alert(1)">x</a>)V",
    R"V(<a href="&#1;javascript:alert(1)">x</a>)V",
    R"V(<a href="javascript&colon;alert(1)">x</a>)V",
    R"V(<a href="java&NewLine;script:alert(1)">x</a>)V",
    R"V(<a href="vbscript:msgbox('XSS')">x</a>)V",
    R"V(<a href="VBSCRIPT:msgbox('XSS')">x</a>)V",
    R"V(<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>)V",
    R"V(<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">)V",
    R"V(<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">)V",
    R"V(<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">)V",
    R"V(<LINK REL="stylesheet" HREF="javascript:alert('XSS');">)V",
    R"V(<STYLE>@import'https://xss.example/xss.css';</STYLE>)V",
    R"V(<DIV STYLE="background-image: url(javascript:alert('XSS'))">x</DIV>)V",
    R"V(<div style="background:url(javascript:alert(1))">x</div>)V",
    R"V(<DIV STYLE="width: expression(alert('XSS'));">x</DIV>)V",
    R"V(<IMG STYLE="xss:expr/*XSS*/ession(alert('XSS'))">)V",
    R"V(<TABLE BACKGROUND="javascript:alert('XSS')"><TR><TD>x</TD></TR></TABLE>)V",
    R"V(<TABLE><TD BACKGROUND="javascript:alert('XSS')">x</TD></TABLE>)V",
    R"V(<BASE HREF="javascript:alert('XSS');//">)V",
    R"V(<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>)V",
    R"V(<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>)V",
    R"V(<form action="javascript:alert(1)"><input type=submit></form>)V",
    R"V(<form><button formaction="javascript:alert(1)">x</button></form>)V",
    R"V(<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->)V",
    R"V(<![CDATA[<script>alert(1)</script>]]>)V",
    R"V(<svg><![CDATA[<script>alert(1)</script>]]></svg>)V",
    R"V(<XSS STYLE="behavior: url(xss.htc);">)V",
    R"V(<noscript><p title="</noscript><img src=x onerror=alert(1)>">)V",
    R"V(<xmp><script>alert(1)</script></xmp>)V",
    R"V(<textarea><script>alert(1)</script></textarea>)V",
    R"V(<template><script>alert(1)</script></template>)V",
    R"V(<details open ontoggle=alert(1)>)V",
    R"V(<video><source onerror="alert(1)"></video>)V",
    R"V(<a href="javas&#99;ript:alert(1)">x</a>)V",
    R"V(<a href="&#x6A;avascript:alert(1)">x</a>)V",
    R"V(<a href="jAvAsCrIpT&#x3A;alert(1)">x</a>)V",
    R"V(<img src="cid:x" onerror="alert(1)">)V",
    R"V(<p><b><i>unclosed <a href="javascript:alert(1)">x)V",
    R"V(<div <script>alert(1)</script>>)V",
    R"V(<a href=javascript:alert(1)//https://ok.example>x</a>)V",
};

}  // namespace

TEST_CASE("sanitize_html neutralises the XSS filter evasion corpus", "[mail][sanitize]") {
  REQUIRE(xss_evasion_corpus.size() >= 40);
  for (const auto& v : xss_evasion_corpus) check_safe(v);
}

TEST_CASE("sanitize_html keeps safe markup", "[mail][sanitize]") {
  const std::string in =
      "<html><head><title>t</title><style>p{}</style></head><body>"
      "<p>Hello <b>bold</b> <i>it</i> &amp; 1 &lt; 2</p>"
      "<a href=\"https://example.org/?a=1&amp;b=2\" title=\"t\">link</a>"
      "<a href=\"mailto:ann@example.org\">mail</a>"
      "<ul><li>one</li><li>two</li></ul>"
      "<table><tr><td colspan=\"2\">cell</td></tr></table>"
      "<img src=\"cid:logo@example.org\" alt=\"logo\">"
      "<img src=\"https://example.org/a.png\" alt=\"a &quot;b&quot;\">"
      "</body></html>";
  const std::string out = sanitize_html(in);
  CHECK(out.find("<p>Hello <b>bold</b> <i>it</i> &amp; 1 &lt; 2</p>") != std::string::npos);
  CHECK(out.find("<a href=\"https://example.org/?a=1&amp;b=2\" title=\"t\">link</a>") !=
        std::string::npos);
  CHECK(out.find("<a href=\"mailto:ann@example.org\">mail</a>") != std::string::npos);
  CHECK(out.find("<ul><li>one</li><li>two</li></ul>") != std::string::npos);
  CHECK(out.find("<table><tbody><tr><td colspan=\"2\">cell</td></tr></tbody></table>") !=
        std::string::npos);
  CHECK(out.find("<img src=\"cid:logo@example.org\" alt=\"logo\">") != std::string::npos);
  CHECK(out.find("alt=\"a &quot;b&quot;\"") != std::string::npos);
  CHECK(out.find("<title>") == std::string::npos);
  CHECK(out.find("p{}") == std::string::npos);
}

TEST_CASE("sanitize_html unwraps unknown elements and drops dangerous ones", "[mail][sanitize]") {
  CHECK(sanitize_html("<blink>text</blink>") == "text");
  CHECK(sanitize_html("<form>name <input value=x></form>") == "name ");
  CHECK(sanitize_html("a<script>alert(1)</script>b") == "ab");
  CHECK(sanitize_html("a<!-- secret -->b") == "ab");
  CHECK(sanitize_html("<p>unclosed") == "<p>unclosed</p>");
  CHECK(sanitize_html("<a href=\"page.html\">rel</a>") == "<a>rel</a>");
  CHECK(sanitize_html("<a href=\"#top\">top</a>") == "<a href=\"#top\">top</a>");
  CHECK(sanitize_html("<img src=\"//tracker.example/p.gif\">") == "<img>");
  CHECK(sanitize_html("<p>\xff bad utf8</p>") == "<p>\xEF\xBF\xBD bad utf8</p>");
}

TEST_CASE("sanitize_html output is valid UTF-8 even where gumbo's is not", "[mail][sanitize]") {
  // gumbo 0.10 decodes a numeric character reference whose value overflows its int into one
  // stray byte (0xAA here) instead of U+FFFD.
  CHECK(sanitize_html("<p>a&#066666666666;b</p>") ==
        "<p>a\xEF\xBF\xBD"
        "b</p>");
  CHECK(sanitize_html("<p title=\"&#066666666666;\">x</p>") == "<p title=\"\xEF\xBF\xBD\">x</p>");
}

TEST_CASE("sanitize_html writes no character HTML parsers disagree on", "[mail][sanitize]") {
  // Character references can produce what raw input cannot: controls, C1 controls and
  // noncharacters. Written raw, gumbo reads them back as U+FFFD while browsers keep them, so
  // the sanitiser and the page would see different text and different URLs. They become
  // U+FFFD before anything is checked or written.
  CHECK(sanitize_html("<p>a&#x18;b&#x81;c&#xFDD0;d&#x7F;e</p>") ==
        "<p>a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD"
        "c\xEF\xBF\xBD"
        "d\xEF\xBF\xBD"
        "e</p>");
  // An href of one control character is empty to the URL check but not to a browser.
  CHECK(sanitize_html("<a href=\"&#x18;\">x</a>") == "<a>x</a>");
  CHECK(sanitize_html("<a href=\"&#x0B;https://example.org\">x</a>") == "<a>x</a>");
  // Whitespace stays.
  CHECK(sanitize_html("<pre>a&#x09;b&#x0A;c</pre>") == "<pre>a\tb\nc</pre>");
}

TEST_CASE("sanitize_html writes URLs as the browser will read them", "[mail][sanitize]") {
  // The URL checked is the URL written: trimmed, tab/CR/LF removed as browsers do, other
  // controls and spaces percent-encoded (browsers keep them, so they must not vanish only for
  // the check).
  auto p = default_policy();
  p.allow_data_images = true;
  CHECK(sanitize_html("<img src=\"data:im&#x0C;age/png;base64,AAAA\">", p) == "<img>");
  CHECK(sanitize_html("<img src=\"data:image/png;base64,AAAA\">", p) ==
        "<img src=\"data:image/png;base64,AAAA\">");
  CHECK(sanitize_html("<a href=\" https://example.org/a b\tc \">x</a>") ==
        "<a href=\"https://example.org/a%20bc\">x</a>");
  CHECK(sanitize_html("<a href=\"java&#x0C;script:alert(1)\">x</a>") == "<a>x</a>");
}

TEST_CASE("sanitize_policy is data: options change the outcome", "[mail][sanitize]") {
  auto p = default_policy();
  const std::string img = "<img src=\"data:image/png;base64,iVBORw0KGgo=\">";
  CHECK(sanitize_html(img, p) == "<img>");
  p.allow_data_images = true;
  CHECK(sanitize_html(img, p) == img);
  CHECK(sanitize_html("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", p) == "<img>");

  p.allow_style_attribute = true;
  CHECK(sanitize_html("<p style=\"color: red\">x</p>", p) == "<p style=\"color: red\">x</p>");
  CHECK(sanitize_html("<p style=\"background:url(x)\">x</p>", p) == "<p>x</p>");

  p.unwrap_disallowed = false;
  CHECK(sanitize_html("<blink>text</blink>b", p) == "b");

  p.allowed_tags.insert("font");
  p.tag_attributes["p"].insert("onclick");  // event handlers stay forbidden regardless
  CHECK(sanitize_html("<p onclick=\"x()\">y</p>", p) == "<p>y</p>");

  p.allow_relative_urls = true;
  CHECK(sanitize_html("<a href=\"page.html\">rel</a>", p) == "<a href=\"page.html\">rel</a>");

  p.max_depth = 3;
  CHECK(sanitize_html("<div><div><div><div><b>deep</b></div></div></div></div>", p) ==
        "<div><div><div>deep</div></div></div>");
}

TEST_CASE("sanitize_html limits input size", "[mail][sanitize]") {
  auto p = default_policy();
  p.max_input_bytes = 10;
  CHECK_THROWS_AS(sanitize_html("<p>more than ten bytes</p>", p), ferry::error);
}
