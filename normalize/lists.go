package normalize

// The default lists. They are data, not configuration: New copies them into
// each Normalizer's maps, and options replace or extend them there.

// defaultGeneric lists registrable domains whose addresses belong to many
// unrelated people: free-mail, ISP mailboxes and disposable-mail services.
// A domain that is mainly a company's own website with mail on the side is
// left out (zoho.com, sky.com, rogers.com: zohomail.com is in), since an
// account list may well hold that company; orange.fr and t-online.de are in
// because their mail use dwarfs their use as a customer's website.
var defaultGeneric = []string{
	// Google, Microsoft, Yahoo/AOL, Apple.
	"gmail.com", "googlemail.com",
	"outlook.com", "outlook.fr", "outlook.de", "outlook.es", "outlook.it",
	"hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it",
	"hotmail.es", "hotmail.nl", "hotmail.be", "hotmail.ca", "hotmail.com.au",
	"hotmail.com.br", "hotmail.co.jp",
	"live.com", "live.co.uk", "live.fr", "live.de", "live.nl", "live.it",
	"live.ca", "live.com.au", "msn.com", "windowslive.com", "passport.com",
	"yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it",
	"yahoo.ca", "yahoo.com.au", "yahoo.co.in", "yahoo.in", "yahoo.co.jp",
	"yahoo.com.br", "yahoo.com.mx", "yahoo.com.ar", "yahoo.com.sg",
	"yahoo.com.hk", "yahoo.com.tw", "yahoo.co.id", "yahoo.gr", "yahoo.ie",
	"yahoo.se", "yahoo.dk", "yahoo.no", "yahoo.pl",
	"ymail.com", "rocketmail.com", "aol.com", "aol.co.uk", "aol.fr", "aol.de",
	"aim.com", "verizon.net",
	"icloud.com", "me.com", "mac.com",
	// Privacy and paid mailbox providers.
	"protonmail.com", "protonmail.ch", "proton.me", "pm.me",
	"tutanota.com", "tutanota.de", "tutamail.com", "tuta.io", "tuta.com",
	"fastmail.com", "fastmail.fm", "hey.com", "hushmail.com",
	"mailbox.org", "posteo.de", "posteo.net", "runbox.com", "zohomail.com",
	"mail.com", "email.com", "usa.com", "inbox.com", "lycos.com",
	"excite.com", "juno.com", "netzero.net", "earthlink.net",
	// Germany, Austria, Switzerland.
	"gmx.de", "gmx.net", "gmx.com", "gmx.at", "gmx.ch", "web.de",
	"t-online.de", "freenet.de", "arcor.de", "bluewin.ch",
	// France, Italy, Spain, Benelux, Nordics, Central Europe.
	"orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "neuf.fr",
	"libero.it", "virgilio.it", "tiscali.it", "alice.it", "tin.it",
	"telefonica.net", "terra.es",
	"ziggo.nl", "kpnmail.nl", "planet.nl", "home.nl", "hetnet.nl",
	"telenet.be", "skynet.be",
	"wp.pl", "o2.pl", "onet.pl", "interia.pl", "seznam.cz", "centrum.cz",
	// UK, North America, Australia.
	"btinternet.com", "ntlworld.com", "talktalk.net", "blueyonder.co.uk",
	"comcast.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net",
	"charter.net", "optonline.net", "frontiernet.net", "roadrunner.com",
	"shaw.ca", "sympatico.ca",
	"bigpond.com", "bigpond.net.au", "optusnet.com.au",
	// Russia, China, Korea, Japan, India, Latin America.
	"mail.ru", "inbox.ru", "list.ru", "bk.ru", "yandex.ru", "yandex.com",
	"ya.ru", "rambler.ru",
	"qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn",
	"sohu.com", "aliyun.com", "foxmail.com", "139.com",
	"naver.com", "daum.net", "hanmail.net",
	"docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp",
	"rediffmail.com",
	"bol.com.br", "uol.com.br", "terra.com.br", "ig.com.br",
	// Disposable mail.
	"mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com",
	"temp-mail.org", "trashmail.com",
}

// defaultPlatforms lists registrable domains where a URL with a path is a
// page about someone else (a profile, a post, a directory entry), while the
// bare domain is the platform company itself.
var defaultPlatforms = []string{
	// Social networks and media.
	"facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com",
	"linkedin.com", "youtube.com", "tiktok.com", "pinterest.com",
	"tumblr.com", "medium.com", "reddit.com", "vimeo.com", "soundcloud.com",
	"snapchat.com", "threads.net", "discord.com", "whatsapp.com",
	"telegram.me", "behance.net", "dribbble.com", "substack.com",
	// Code hosting.
	"github.com", "gitlab.com", "bitbucket.org", "sourceforge.net",
	// Startup and company directories, job and review sites.
	"crunchbase.com", "angel.co", "angellist.com", "wellfound.com",
	"producthunt.com", "ycombinator.com", "f6s.com", "seed-db.com",
	"pitchbook.com", "zoominfo.com", "owler.com", "dnb.com", "bloomberg.com",
	"glassdoor.com", "indeed.com", "yelp.com", "wikipedia.org",
	// Link-in-bio pages and shorteners whose bare domain is the company.
	"linktr.ee", "about.me", "tinyurl.com", "bitly.com",
	// Search and maps pages.
	"google.com",
}

// defaultPlatformHosts lists hosts (and their subdomains) that are never a
// company's own site whatever the path: app stores, Google's document and
// site hosting, link shorteners, archives.
var defaultPlatformHosts = []string{
	"itunes.apple.com", "apps.apple.com", "podcasts.apple.com",
	"music.apple.com", "books.apple.com",
	"play.google.com", "chrome.google.com", "chromewebstore.google.com",
	"sites.google.com", "docs.google.com", "drive.google.com",
	"forms.google.com", "maps.google.com", "plus.google.com",
	"groups.google.com", "g.page", "forms.gle",
	"web.archive.org",
	"bit.ly", "goo.gl", "g.co", "t.co", "lnkd.in", "ow.ly", "buff.ly",
	"is.gd", "tiny.cc", "rb.gy", "cutt.ly", "shorturl.at", "rebrand.ly",
	"fb.me", "m.me", "wa.me", "t.me", "youtu.be", "amzn.to", "a.co",
	"apple.co", "spoti.fi", "discord.gg", "db.tt",
}

// defaultHosting lists hosting platforms, missing from the Public Suffix
// List (checked against golang.org/x/net v0.58.0), whose subdomains are
// separate sites: "acme.wordpress.com" is Acme's key, not WordPress's.
// Platforms the PSL already knows (github.io, blogspot.com, wixsite.com,
// webflow.io, notion.site, myshopify.com, herokuapp.com, netlify.app,
// vercel.app, carrd.co, ...) need no entry.
var defaultHosting = []string{
	"wordpress.com", "tumblr.com", "squarespace.com", "substack.com",
	"medium.com", "weebly.com", "typepad.com", "ghost.io", "glitch.me",
	"strikingly.com", "mystrikingly.com", "jimdosite.com", "jimdo.com",
	"site123.me", "business.site", "godaddysites.com", "webnode.com",
	"wpengine.com", "hubspotpagebuilder.com", "hs-sites.com",
	"bigcartel.com", "teachable.com", "thinkific.com", "over-blog.com",
	"livejournal.com", "blogspot.co.uk", "blogspot.de", "blogspot.fr",
}
