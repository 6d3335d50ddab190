// The browser half of tests/e2e/web.sh: headless Chromium driven through
// puppeteer-core (never a browser download) against a running sipcc-web.
//
//   node web_browser.js setup|check|calls|disable|enable|gateways|accounts
//
// Environment: WEB_URL (http://127.0.0.1:PORT), ADMIN and ADMIN_PW (an
// admin account), SUPPORT and SUPPORT_PW (a support account), SUB_PW (the
// password given to the subscriber bob), DOMAIN (the domain served),
// CONTACT (bob's registered Contact, for check), SHOTS (the directory of
// the screenshots), CHROMIUM (the browser binary).
//
// setup: a wrong password and a CSRF-less login are refused; log in; add
// the domain, a subscriber (after a refused name with a quote), an alias
// (after a refused address with a space), preferences (call forwarding,
// after a target with a space and a timeout that is no number), a group
// (after a name with a space); POSTs without a CSRF token, or
// with a wrong one, are refused 403 and change nothing.
// check: bob's registration on the registrations page (contact, user
// agent, expiry), the call's CDR in the table, its filters and its CSV,
// the audit log, a support account refused a change, logout.
// calls: a call in progress on the calls page, ended with its button; the
// statistics page.
// disable, enable: bob disabled, then enabled, with the button of his row.
// gateways: ASR and ACD per gateway on the CDR page (GWA_PORT answered,
// GWB_PORT rejected).
// accounts: the panel's accounts managed by an admin, refused to support.
// Each page is screenshot to SHOTS/NAME.png once the content it must show
// has been found in it. Any failed expectation ends with exit status 1.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const env = (k) => {
	const v = process.env[k];
	if (v === undefined) throw new Error('missing environment variable ' + k);
	return v;
};
const URL = env('WEB_URL');
const SHOTS = env('SHOTS');

function expect(cond, what) {
	if (!cond) throw new Error('expected: ' + what);
	console.log('ok: ' + what);
}

// The text of the page's <main>, for the checks.
const mainText = (page) => page.$eval('main', (m) => m.innerText);

// A screenshot of the whole page, after the content it must show was
// checked; the file must be a real PNG of some size.
async function shot(page, name, mustShow) {
	const text = await page.$eval('body', (b) => b.innerText);
	for (const s of mustShow) expect(text.includes(s), `${name}: the page shows "${s}"`);
	const file = path.join(SHOTS, name + '.png');
	await page.screenshot({ path: file, fullPage: true });
	const png = fs.readFileSync(file);
	expect(png.length > 5000 && png.slice(1, 4).toString() === 'PNG', `${name}.png is a screenshot`);
}

async function submit(page, formSel) {
	const [resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		page.$eval(formSel, (f) => f.requestSubmit()),
	]);
	return resp;
}

async function login(page, name, pw) {
	await page.goto(URL + '/login', { waitUntil: 'load' });
	await page.type('input[name=name]', name);
	await page.type('input[name=password]', pw);
	return submit(page, 'form.login');
}

// POST a form body from inside the page (same origin, its cookie sent).
function post(page, url, body) {
	return page.evaluate(async (u, b) => {
		const r = await fetch(u, {
			method: 'POST', body: b, credentials: 'same-origin', redirect: 'manual',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		return r.status;
	}, url, body);
}

async function setup(page) {
	// The login page, a wrong password, a login form without its token.
	await page.goto(URL + '/login', { waitUntil: 'load' });
	await shot(page, 'login', ['Log in', 'Account', 'Password']);
	let resp = await login(page, env('ADMIN'), 'not-the-password');
	expect(resp.status() === 403, 'a wrong password gets 403');
	await shot(page, 'login-refused', ['Wrong account name or password.']);
	expect(await post(page, '/login', 'name=' + env('ADMIN') + '&password=' +
		encodeURIComponent(env('ADMIN_PW'))) === 403, 'a login without its CSRF token gets 403');

	resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'the login leads to the subscribers');
	expect((await page.$eval('#me', (e) => e.innerText)).includes(env('ADMIN') + ' (admin)'),
		'the header names the account and its role');
	const cookies = await page.cookies();
	const c = cookies.find((k) => k.name === 'sipcc_session');
	expect(c && c.httpOnly && c.sameSite === 'Strict' && /^[0-9a-f]{64}$/.test(c.value),
		'the session cookie is 256 random bits, HttpOnly, SameSite=Strict');

	// Domains.
	await page.goto(URL + '/domains', { waitUntil: 'load' });
	await page.type('input[name=domain]', env('DOMAIN'));
	resp = await submit(page, 'form[action="/domains/add"]');
	expect(resp.url().includes('/domains?done=added'), 'the domain is added');
	await shot(page, 'domains', ['Added.', env('DOMAIN')]);

	// Subscribers: a name with a quote, then bob.
	await page.goto(URL + '/subscribers', { waitUntil: 'load' });
	await page.type('#add input[name=username]', "o'brien");
	await page.type('#add input[name=password]', env('SUB_PW'));
	resp = await submit(page, '#add');
	expect(resp.status() === 400, 'a user name with a quote gets 400');
	await shot(page, 'subscriber-refused', ["the user name may not contain a quote (' or \")"]);
	await page.$eval('#add input[name=username]', (i) => { i.value = ''; });
	await page.type('#add input[name=username]', 'bob');
	await page.type('#add input[name=password]', env('SUB_PW'));
	resp = await submit(page, '#add');
	expect(resp.url().includes('done=added'), 'subscriber bob is added');
	const rows = await page.$$eval('#subscribers tr', (t) => t.map((r) => r.innerText));
	expect(rows.some((r) => r.includes('bob') && r.includes(env('DOMAIN'))), 'bob is in the table');
	expect(!rows.some((r) => r.includes('brien')), "o'brien is not");
	await shot(page, 'subscribers', ['bob', env('DOMAIN'), 'Reset password']);

	// Aliases: an address with a space, then 100 -> bob.
	await page.goto(URL + '/aliases', { waitUntil: 'load' });
	await page.type('input[name=alias]', '1 00@' + env('DOMAIN'));
	await page.type('input[name=target]', 'bob@' + env('DOMAIN'));
	resp = await submit(page, 'form[action="/aliases/add"]');
	expect(resp.status() === 400, 'an alias with a space gets 400');
	await shot(page, 'alias-refused', ['alias: the address may not contain a space']);
	await page.$eval('input[name=alias]', (i) => { i.value = '100@' + i.value.split('@')[1]; });
	resp = await submit(page, 'form[action="/aliases/add"]');
	expect(resp.url().includes('done=added'), 'the alias is added');
	await shot(page, 'aliases', ['100@' + env('DOMAIN'), 'bob@' + env('DOMAIN')]);

	// Preferences: call forwarding with a bad target, a bad timeout, then
	// bob's cfu and cfna_timeout.
	const setPref = async (attr, value, type) => {
		await page.goto(URL + '/preferences', { waitUntil: 'load' });
		await page.type('#prefset input[name=owner]', 'bob@' + env('DOMAIN'));
		await page.type('#prefset input[name=attribute]', attr);
		await page.type('#prefset input[name=value]', value);
		await page.select('#prefset select[name=type]', type);
		return submit(page, '#prefset');
	};
	resp = await setPref('cfu', 'sip:voice mail@' + env('DOMAIN'), 'str');
	expect(resp.status() === 400, 'a forwarding target with a space gets 400');
	await shot(page, 'preference-refused', ['the target may not contain a space']);
	resp = await setPref('cfna_timeout', 'soon', 'int');
	expect(resp.status() === 400 && (await mainText(page)).includes('cfna_timeout is an integer'),
		'a timeout that is no number gets 400');
	resp = await setPref('cfu', 'sip:voicemail@' + env('DOMAIN'), 'str');
	expect(resp.url().includes('done=saved'), 'cfu is set');
	resp = await setPref('cfna_timeout', '20', 'int');
	expect(resp.url().includes('done=saved'), 'cfna_timeout is set');
	const prefs = await page.$$eval('#preferences tr', (t) => t.map((r) => r.innerText));
	expect(prefs.some((r) => r.includes('cfu') && r.includes('sip:voicemail@')), 'cfu is in the table');
	expect(prefs.some((r) => r.includes('cfna_timeout') && r.includes('integer') && r.includes('20')),
		'cfna_timeout is, as an integer');
	await shot(page, 'preferences', ['cfu', 'sip:voicemail@' + env('DOMAIN'), 'cfna_timeout']);

	// Groups: a bad name, then bob in pstn.
	await page.goto(URL + '/groups', { waitUntil: 'load' });
	await page.type('#grpadd input[name=subscriber]', 'bob@' + env('DOMAIN'));
	await page.type('#grpadd input[name=group]', 'p s');
	resp = await submit(page, '#grpadd');
	expect(resp.status() === 400, 'a group name with a space gets 400');
	await page.$eval('#grpadd input[name=group]', (i) => { i.value = 'pstn'; });
	resp = await submit(page, '#grpadd');
	expect(resp.url().includes('done=added'), 'bob is put in group pstn');
	await shot(page, 'groups', ['bob@' + env('DOMAIN'), 'pstn']);

	// Gateways and rules: a bad address, a rule naming a gateway that does
	// not exist, a gateway a rule uses cannot be removed.
	const addGw = async (id, address) => {
		await page.goto(URL + '/gateways', { waitUntil: 'load' });
		await page.type('#gwadd input[name=id]', id);
		await page.type('#gwadd input[name=address]', address);
		await page.$eval('#gwadd input[name=probe]', (c) => { c.checked = true; });
		return submit(page, '#gwadd');
	};
	resp = await addGw('1', 'sip:gw one.example.com');
	expect(resp.status() === 400 && (await mainText(page)).includes('may not contain a space'),
		'a gateway address with a space gets 400');
	resp = await addGw('1', 'sip:127.0.0.1:' + env('GW_PORT'));
	expect(resp.url().includes('done=added'), 'gateway 1 is added');
	const addRule = async (gwlist) => {
		await page.goto(URL + '/gateways', { waitUntil: 'load' });
		await page.type('#ruleadd input[name=group]', '1');
		await page.type('#ruleadd input[name=prefix]', '00');
		await page.type('#ruleadd input[name=gwlist]', gwlist);
		return submit(page, '#ruleadd');
	};
	resp = await addRule('1,7');
	expect(resp.status() === 400 && (await mainText(page)).includes('there is no gateway 7'),
		'a rule naming a missing gateway gets 400');
	resp = await addRule('1');
	expect(resp.url().includes('done=added'), 'the rule 00 -> 1 is added');
	resp = await submit(page, 'form[action="/gateways/delete"]');
	expect(resp.status() === 400 && (await mainText(page)).includes('is used by rule 1'),
		'a gateway a rule uses is not removed');
	await shot(page, 'gateways', ['sip:127.0.0.1:' + env('GW_PORT'), 'Routing rules', '00']);

	// Blacklists: a prefix with a letter, then a global 0900 and bob's
	// exception.
	const addBl = async (owner, prefix, allow) => {
		await page.goto(URL + '/blacklists', { waitUntil: 'load' });
		if (owner) await page.type('#bladd input[name=owner]', owner);
		await page.type('#bladd input[name=prefix]', prefix);
		await page.type('#bladd input[name=description]', 'premium rate');
		if (allow) await page.$eval('#bladd input[name=allow]', (c) => { c.checked = true; });
		return submit(page, '#bladd');
	};
	resp = await addBl('', '09a0', false);
	expect(resp.status() === 400 && (await mainText(page)).includes('the prefix has up to 64 digits'),
		'a prefix with a letter gets 400');
	resp = await addBl('', '+0900', false);
	expect(resp.url().includes('done=added'), 'the global prefix 0900 is refused');
	resp = await addBl('bob@' + env('DOMAIN'), '09001', true);
	expect(resp.url().includes('done=added'), "bob's exception 09001 is added");
	const bl = await page.$$eval('#blacklists tr', (t) => t.map((r) => r.innerText));
	expect(bl.some((r) => r.startsWith('global\t0900\trefused')), 'the global row');
	expect(bl.some((r) => r.startsWith('bob@' + env('DOMAIN') + '\t09001\tallowed')), "bob's row");
	await shot(page, 'blacklists', ['global', '0900', 'premium rate', 'allowed']);

	// Trusted addresses: a network written with a host address, then the
	// gateways' network.
	const addAddr = async (address) => {
		await page.goto(URL + '/addresses', { waitUntil: 'load' });
		await page.type('#addradd input[name=address]', address);
		await page.type('#addradd input[name=port]', '5060');
		await page.select('#addradd select[name=proto]', 'udp');
		await page.type('#addradd input[name=tag]', 'pstn-gw');
		return submit(page, '#addradd');
	};
	resp = await addAddr('10.0.0.7/24');
	expect(resp.status() === 400 && (await mainText(page)).includes("write the network's first address"),
		'a network with host bits gets 400');
	resp = await addAddr('10.0.0.0/24');
	expect(resp.url().includes('done=added'), 'the network 10.0.0.0/24 is trusted');
	await shot(page, 'addresses', ['10.0.0.0/24', '5060', 'udp', 'pstn-gw']);

	// Dial plans: a rule that does not compile, then national numbers to
	// E.164, tried on a number.
	const addDp = async (match) => {
		await page.goto(URL + '/dialplans', { waitUntil: 'load' });
		await page.type('#dpadd input[name=dpid]', '1');
		await page.type('#dpadd input[name=pr]', '10');
		await page.type('#dpadd input[name=match]', match);
		await page.type('#dpadd input[name=subst]', '^0(.*)$');
		await page.type('#dpadd input[name=repl]', '+49\\1');
		await page.type('#dpadd input[name=attrs]', 'national');
		return submit(page, '#dpadd');
	};
	resp = await addDp('^0([1-9');
	expect(resp.status() === 400 && (await mainText(page)).includes('the rule does not compile'),
		'a rule with a bad regular expression gets 400');
	resp = await addDp('^0[1-9][0-9]+$');
	expect(resp.url().includes('done=added'), 'the national rule is added');
	await page.goto(URL + '/dialplans?dpid=1&input=0301234567', { waitUntil: 'load' });
	const tried = await page.$eval('#dptry', (p) => p.innerText);
	expect(/0301234567 becomes \+49301234567 \(rule [0-9]+, attributes national\)/.test(tried),
		'trying 0301234567 gives +49301234567 (' + tried + ')');
	await shot(page, 'dialplans', ['+49301234567', '^0[1-9][0-9]+$', 'national']);

	// Dispatcher: a destination with a space, then one without its scheme
	// (stored with sip:).
	const addDs = async (uri) => {
		await page.goto(URL + '/dispatcher', { waitUntil: 'load' });
		await page.type('#dsadd input[name=setid]', '1');
		await page.type('#dsadd input[name=uri]', uri);
		await page.type('#dsadd input[name=weight]', '70');
		await page.type('#dsadd input[name=desc]', 'media server A');
		return submit(page, '#dsadd');
	};
	resp = await addDs('127.0.0.1: 5099');
	expect(resp.status() === 400 && (await mainText(page)).includes('may not contain a space'),
		'a destination with a space gets 400');
	resp = await addDs('127.0.0.1:' + env('GW_PORT'));
	expect(resp.url().includes('done=added'), 'the destination is added');
	await shot(page, 'dispatcher', ['sip:127.0.0.1:' + env('GW_PORT'), 'media server A', '70']);

	// Forged POSTs: no token, a wrong token.
	const body = 'username=mallory&domain=' + env('DOMAIN') + '&password=mallory-pw-1';
	expect(await post(page, '/subscribers/add', body) === 403, 'a POST without a CSRF token gets 403');
	expect(await post(page, '/subscribers/add', body + '&csrf=' + '0'.repeat(64)) === 403,
		'a POST with a wrong CSRF token gets 403');
	await page.goto(URL + '/subscribers?q=mallory', { waitUntil: 'load' });
	expect(!(await mainText(page)).includes('mallory@'), 'the forged POSTs added nobody');
}

async function check(page) {
	let resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'logged in again');

	// The list in pages: 30 subscribers sipcc-ctl added, 25 to a page.
	await page.goto(URL + '/subscribers?q=load', { waitUntil: 'load' });
	let subs = await page.$$eval('#subscribers tr', (t) => t.slice(1).map((r) => r.cells[0].innerText));
	expect(subs.length === 25 && subs[0] === 'load01' && subs[24] === 'load25', 'page 1 of a search: load01..load25');
	resp = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
		page.$eval('.pager a', (a) => a.click())]).then((x) => x[0]);
	expect(resp.url().includes('page=2') && resp.url().includes('q=load'), 'the next link keeps the search');
	subs = await page.$$eval('#subscribers tr', (t) => t.slice(1).map((r) => r.cells[0].innerText));
	expect(subs.join(' ') === 'load26 load27 load28 load29 load30', 'page 2: load26..load30');
	expect(!(await mainText(page)).includes('next'), 'and no next page');

	await page.goto(URL + '/registrations', { waitUntil: 'load' });
	const reg = await page.$$eval('#registrations tr', (t) => t.map((r) => r.innerText));
	const bob = reg.find((r) => r.includes('bob@' + env('DOMAIN')));
	expect(bob && bob.includes(env('CONTACT')), "bob's registration with its contact");
	expect(bob.includes('sipcc-web-test-phone/1.0'), 'with its user agent');
	expect(/\b(3[0-9]{3}) s\b/.test(bob), 'with its expiry in seconds');
	await shot(page, 'registrations', ['bob@' + env('DOMAIN'), env('CONTACT'), '1 registered contact.']);

	await page.goto(URL + '/cdrs', { waitUntil: 'load' });
	let cdrs = await page.$$eval('#cdrs tr', (t) => t.map((r) => r.innerText));
	const call = cdrs.find((r) => r.includes('answered') && r.includes('sip:bob@'));
	expect(call && call.includes('web-call-1@test'), 'the call has its CDR');
	expect(await page.$$eval('#chart title', (t) => t.some((x) => x.textContent.endsWith(' 1 calls'))),
		'the calls-per-hour picture counts it');
	const summary = await page.$$eval('#summary td', (t) => t.map((c) => c.innerText));
	expect(summary[0] === '1' && summary[1] === '0' && summary[2] === '100%' && /^(0\.[4-9]|[12]\.[0-9]) s$/.test(summary[3]),
		'the last day: 1 answered, 0 missed, ASR 100%, ACD about 0.5 s (' + summary.join(' ') + ')');
	const top = await page.$$eval('#top tr', (t) => t.map((r) => r.innerText));
	expect(top.length === 2 && top[1].includes('sip:sipp@') && top[1].includes('\t1\t'),
		'the top callers list sipp with 1 call');
	await shot(page, 'cdrs', ['answered', 'web-call-1@test', 'Calls per hour', 'Top callers']);
	const today = new Date().toISOString().slice(0, 10);
	const q = (s) => page.goto(URL + '/cdrs?' + s, { waitUntil: 'load' })
		.then(() => page.$$eval('#cdrs tr', (t) => t.length - 1));
	expect(await q('user=sipp&from=' + today + '&to=' + today + '&status=answered') === 1,
		'a search by caller, date and status finds it');
	expect(await q('number=nobody') === 0, 'a search by another number does not');
	expect(await q('status=missed') === 0, 'nor one for missed calls');
	expect(await q('from=2000-01-01&to=2000-01-02') === 0, 'nor one for another day');
	resp = await page.goto(URL + '/cdrs?from=2026-02-30', { waitUntil: 'load' });
	expect(resp.status() === 400 && (await mainText(page)).includes('no such date'), 'a bad date gets a form error');
	const csv = await page.evaluate(async () => (await fetch('/cdrs.csv?user=sipp')).text());
	expect(csv.startsWith('time_utc,status,caller,callee,duration_ms,sip_code,reason,callid\r\n')
		&& csv.includes(',web-call-1@test\r\n'), 'the CSV export has the call');

	// The running proxy has loaded gateway 1: the page shows its state.
	let gw = '';
	for (let i = 0; i < 50 && !/\b(active|inactive)\b/.test(gw); i++) {
		await page.goto(URL + '/gateways', { waitUntil: 'load' });
		gw = (await page.$$eval('#gateways tr', (t) => t.map((r) => r.innerText)))
			.find((r) => r.includes('sip:127.0.0.1:' + env('GW_PORT'))) || '';
		if (!/\b(active|inactive)\b/.test(gw)) await new Promise((ok) => setTimeout(ok, 200));
	}
	expect(/\b(active|inactive)\b/.test(gw), "gateway 1's state from the running proxy");
	await shot(page, 'gateways-live', ['sip:127.0.0.1:' + env('GW_PORT')]);

	await page.goto(URL + '/audit', { waitUntil: 'load' });
	await shot(page, 'audit', ['subscriber add', 'bob@' + env('DOMAIN'), 'domain add', 'alias add',
		'preference set', 'cfu = sip:voicemail@', 'group add', 'gateway add', 'rule add', 'blacklist add', 'address add', 'dialplan add', 'dispatcher add', env('ADMIN')]);

	// Log out: the session is gone.
	resp = await submit(page, 'form[action="/logout"]');
	expect(resp.url().endsWith('/login'), 'logging out leads to the login page');
	resp = await page.goto(URL + '/subscribers', { waitUntil: 'load' });
	expect(resp.url().endsWith('/login'), 'and the pages need a login again');

	// A support account reads, and is refused a change with a valid token.
	resp = await login(page, env('SUPPORT'), env('SUPPORT_PW'));
	expect(resp.url().endsWith('/subscribers'), 'the support account logs in');
	expect(!(await page.$('#add')), 'it is offered no form to add');
	const tok = await page.$eval('input[name=csrf]', (i) => i.value);
	expect(await post(page, '/subscribers/add', 'csrf=' + tok + '&username=eve&domain=' + env('DOMAIN') +
		'&password=eve-pass-12') === 403, 'a change by a support account gets 403');
	await page.goto(URL + '/subscribers', { waitUntil: 'load' });
	expect(!(await mainText(page)).includes('eve'), 'and changes nothing');
	await shot(page, 'support', ['bob', env('DOMAIN'), 'helpdesk (support)']);
}

// disable / enable: bob's row on the subscribers page has the button; the
// state column and the notice follow; the audit log has the change.
async function toggle(page, what) {
	let resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'logged in to ' + what + ' bob');
	await page.goto(URL + '/subscribers?q=bob', { waitUntil: 'load' });
	const label = what === 'disable' ? 'Disable' : 'Enable';
	let row = (await page.$$eval('#subscribers tr', (t) => t.map((r) => r.innerText))).find((r) => r.startsWith('bob'));
	expect(row && row.includes(what === 'disable' ? 'active' : 'disabled') && row.includes(label),
		`bob's row offers ${label}`);
	resp = await submit(page, `form[action="/subscribers/${what}"]`);
	expect(resp.url().includes('done=' + what + 'd'), `bob is ${what}d`);
	row = (await page.$$eval('#subscribers tr', (t) => t.map((r) => r.innerText))).find((r) => r.startsWith('bob'));
	expect(row && row.includes(what === 'disable' ? 'disabled' : 'active'), `bob's row says ${what}d`);
	await shot(page, 'subscriber-' + what + 'd', [label + 'd.', 'bob']);
	await page.goto(URL + '/audit', { waitUntil: 'load' });
	const audit = await mainText(page);
	expect(audit.includes('subscriber ' + what) && audit.includes('bob@' + env('DOMAIN')),
		'the audit log has "subscriber ' + what + '"');
}

// gateways: the CDR page's figures per gateway, gateway 2 answered one
// call (ASR 100 %, ACD about a second), gateway 3 rejected one (ASR 0 %).
async function gateways(page) {
	const resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'logged in for the gateway figures');
	await page.goto(URL + '/cdrs', { waitUntil: 'load' });
	const rows = await page.$$eval('#gwstats tr', (t) => t.slice(1).map((r) => [...r.cells].map((c) => c.innerText)));
	expect(rows.length === 2, 'two gateways in the table (got ' + JSON.stringify(rows) + ')');
	const [a, b] = rows;
	expect(a[0] === '2' && a[1] === 'sip:127.0.0.1:' + env('GWA_PORT') && a[2] === '1' && a[3] === '0'
		&& a[4] === '100%' && /^(0\.9|1\.[0-9]|2\.[0-9]) s$/.test(a[5]),
		'gateway 2: 1 answered, 0 failed, ASR 100%, ACD about 1 s (' + a.join(' | ') + ')');
	expect(b[0] === '3' && b[1] === 'sip:127.0.0.1:' + env('GWB_PORT') && b[2] === '0' && b[3] === '1'
		&& b[4] === '0%' && b[5] === '-', 'gateway 3: 0 answered, 1 failed, ASR 0% (' + b.join(' | ') + ')');
	const bars = await page.$$eval('#gwchart rect.asr', (t) => t.map((r) => Number(r.getAttribute('width'))));
	expect(bars.length === 2 && bars[0] === 400 && bars[1] === 0, 'the picture: a full bar for gateway 2, none for 3');
	const svg = await page.$eval('#gwchart', (s) => s.textContent);
	expect(svg.includes('gateway 2') && svg.includes('100%, ACD') && svg.includes('gateway 3'),
		'the picture names the gateways and the ACD');
	await page.$eval('#gwstats', (t) => t.scrollIntoView());
	await shot(page, 'cdrs-gateways', ['Gateways, last 24 hours', 'sip:127.0.0.1:' + env('GWA_PORT')]);

	// Editing: gateway 3 (an address with a space refused, then strip 2)
	// and rule 3 (the 0033 rule: gateways 3,2, priority 5).
	await page.goto(URL + '/gateways', { waitUntil: 'load' });
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href="/gateways?edit=3"]')]);
	expect((await page.$eval('#gwadd legend', (l) => l.innerText)) === 'Edit gateway 3'
		&& (await page.$eval('#gwadd input[name=address]', (i) => i.value)) === 'sip:127.0.0.1:' + env('GWB_PORT'),
		'the edit form of gateway 3 holds its values');
	await page.$eval('#gwadd input[name=address]', (i) => { i.value = 'sip:127.0.0.1: 5060'; });
	let r = await submit(page, '#gwadd');
	expect(r.status() === 400 && (await mainText(page)).includes('the address may not contain a space'),
		'an edited address with a space gets 400 and a form error');
	expect((await page.$eval('#gwadd legend', (l) => l.innerText)) === 'Edit gateway 3', 'the form is still the edit form');
	await page.$eval('#gwadd input[name=address]', (i, p) => { i.value = 'sip:127.0.0.1:' + p; }, env('GWB_PORT'));
	await page.$eval('#gwadd input[name=strip]', (i) => { i.value = '2'; });
	r = await submit(page, '#gwadd');
	expect(r.url().includes('/gateways?done=saved'), 'gateway 3 is saved');
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href="/gateways?editrule=3"]')]);
	expect((await page.$eval('#ruleadd legend', (l) => l.innerText)) === 'Edit rule 3'
		&& (await page.$eval('#ruleadd input[name=prefix]', (i) => i.value)) === '0033',
		'the edit form of rule 3 holds its values');
	await page.$eval('#ruleadd input[name=gwlist]', (i) => { i.value = '3,9'; });
	r = await submit(page, '#ruleadd');
	expect(r.status() === 400 && (await mainText(page)).includes('there is no gateway 9'),
		'a rule edited to name a missing gateway gets 400');
	await page.$eval('#ruleadd input[name=gwlist]', (i) => { i.value = '3,2'; });
	await page.$eval('#ruleadd input[name=priority]', (i) => { i.value = '5'; });
	r = await submit(page, '#ruleadd');
	expect(r.url().includes('/gateways?done=saved'), 'rule 3 is saved');
	const rules = await page.$$eval('#rules tr', (t) => t.map((x) => x.innerText));
	expect(rules.some((x) => /^3\s+1\s+0033\s+5\s+3,2/.test(x)), 'the rules table shows rule 3 changed');
	await shot(page, 'gateways-edited', ['Saved.', '3,2']);

	// A trusted address edited: a host address refused, then port 5080
	// and another tag.
	await page.goto(URL + '/addresses', { waitUntil: 'load' });
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href^="/addresses?edit="]')]);
	expect((await page.$eval('#addradd legend', (l) => l.innerText)) === 'Edit a trusted address'
		&& (await page.$eval('#addradd input[name=address]', (i) => i.value)) === '10.0.0.0/24'
		&& (await page.$eval('#addradd input[name=tag]', (i) => i.value)) === 'pstn-gw',
		'the edit form of the trusted network holds its values');
	await page.$eval('#addradd input[name=address]', (i) => { i.value = '10.0.0.7/24'; });
	r = await submit(page, '#addradd');
	expect(r.status() === 400 && (await mainText(page)).includes("write the network's first address"),
		'an edited network with host bits gets 400');
	await page.$eval('#addradd input[name=address]', (i) => { i.value = '10.0.0.0/24'; });
	await page.$eval('#addradd input[name=port]', (i) => { i.value = '5080'; });
	await page.$eval('#addradd input[name=tag]', (i) => { i.value = 'pstn-gw2'; });
	r = await submit(page, '#addradd');
	expect(r.url().includes('/addresses?done=saved'), 'the trusted network is saved');
	await shot(page, 'addresses-edited', ['Saved.', '5080', 'pstn-gw2']);

	// A dial-plan rule edited: a bad expression refused, then priority 20
	// and other attributes.
	await page.goto(URL + '/dialplans', { waitUntil: 'load' });
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href^="/dialplans?edit="]')]);
	expect((await page.$eval('#dpadd legend', (l) => l.innerText)).startsWith('Edit rule')
		&& (await page.$eval('#dpadd input[name=match]', (i) => i.value)) === '^0[1-9][0-9]+$',
		'the edit form of the dial-plan rule holds its values');
	await page.$eval('#dpadd input[name=match]', (i) => { i.value = '^0([1-9'; });
	r = await submit(page, '#dpadd');
	expect(r.status() === 400 && (await mainText(page)).includes('the rule does not compile'),
		'an edited rule that does not compile gets 400');
	await page.$eval('#dpadd input[name=match]', (i) => { i.value = '^0[1-9][0-9]+$'; });
	await page.$eval('#dpadd input[name=pr]', (i) => { i.value = '20'; });
	await page.$eval('#dpadd input[name=attrs]', (i) => { i.value = 'national-e164'; });
	r = await submit(page, '#dpadd');
	expect(r.url().includes('/dialplans?done=saved'), 'the dial-plan rule is saved');
	await shot(page, 'dialplans-edited', ['Saved.', 'national-e164']);

	// The dispatcher page beside a proxy that uses the dispatcher: set 2's
	// media server is active and has had the call to 8001.
	let ds = '';
	for (let i = 0; i < 50 && !/\bactive\b/.test(ds); i++) {
		await page.goto(URL + '/dispatcher', { waitUntil: 'load' });
		ds = (await page.$$eval('#dispatcher tr', (t) => t.map((x) => [...x.cells].map((c) => c.innerText).join('|'))))
			.find((x) => x.includes('sip:127.0.0.1:' + env('DSM_PORT'))) || '';
		if (!/\bactive\b/.test(ds)) await new Promise((ok) => setTimeout(ok, 200));
	}
	const cells = ds.split('|');
	expect(cells[0] === '2' && cells[5] === 'active' && cells[6] === '1' && cells[7] === 'media server B',
		'set 2: the media server is active with 1 call, as the running proxy says (' + ds + ')');
	await shot(page, 'dispatcher-live', ['sip:127.0.0.1:' + env('DSM_PORT'), 'media server B', 'active']);
}

// accounts: an admin adds an account (a name with a quote refused first;
// a generated password shown once), makes it an admin, resets its
// password; the account logs in with it and sees the accounts; the admin
// removes it. The support account is refused the page and its changes.
async function accounts(page) {
	let resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'logged in for the accounts');
	await page.goto(URL + '/accounts', { waitUntil: 'load' });
	let rows = await page.$$eval('#accounts tr', (t) => t.map((r) => r.innerText));
	const mine = rows.find((r) => r.startsWith(env('ADMIN') + ' (you)'));
	expect(mine && !mine.includes('Remove') && !mine.includes('Make'), 'no Remove nor role change on your own row');
	await page.type('#accadd input[name=name]', "o'ps");
	resp = await submit(page, '#accadd');
	expect(resp.status() === 400 && (await page.$('#accadd .err')) !== null, 'an account name with a quote gets 400');
	await page.$eval('#accadd input[name=name]', (i) => { i.value = 'ops2'; });
	await page.select('#accadd select[name=role]', 'support');
	resp = await submit(page, '#accadd');
	let pw = await page.$eval('#newpw', (c) => c.innerText);
	expect(/^[A-Za-z2-9]{20}$/.test(pw), 'account ops2 is added with a generated password shown once');
	await page.goto(URL + '/accounts', { waitUntil: 'load' });
	rows = await page.$$eval('#accounts tr', (t) => t.map((r) => r.innerText));
	expect(rows.some((r) => r.startsWith('ops2') && r.includes('support') && r.includes('Make admin')), 'ops2 is listed as support');
	const form = async (action) => {
		const sel = await page.$$eval('#accounts tr', (t, a) => {
			const i = t.findIndex((r) => r.cells[0] && r.cells[0].innerText === 'ops2');
			return i < 0 ? '' : `#accounts tr:nth-child(${i + 1}) form[action="${a}"]`;
		}, action);
		expect(sel !== '', 'ops2 has a form ' + action);
		return submit(page, sel);
	};
	resp = await form('/accounts/role');
	expect(resp.url().includes('/accounts?done=saved'), 'ops2 is made an admin');
	rows = await page.$$eval('#accounts tr', (t) => t.map((r) => r.innerText));
	expect(rows.some((r) => r.startsWith('ops2') && /\badmin\b/.test(r) && r.includes('Make support')), 'ops2 is listed as admin');
	resp = await form('/accounts/reset');
	const pw2 = await page.$eval('#newpw', (c) => c.innerText);
	expect(/^[A-Za-z2-9]{20}$/.test(pw2) && pw2 !== pw, "ops2's password is reset to a new one shown once");
	await shot(page, 'account-password', ['ops2', pw2]);
	await submit(page, 'form[action="/logout"]');
	resp = await login(page, 'ops2', pw);
	expect(!resp.url().endsWith('/subscribers'), 'the old password of ops2 no longer works');
	resp = await login(page, 'ops2', pw2);
	expect(resp.url().endsWith('/subscribers'), 'ops2 logs in with the new password');
	expect(await page.$('header a[href="/accounts"]') !== null, 'and, an admin now, sees the accounts');
	await submit(page, 'form[action="/logout"]');
	await login(page, env('ADMIN'), env('ADMIN_PW'));
	await page.goto(URL + '/accounts', { waitUntil: 'load' });
	resp = await form('/accounts/delete');
	expect(resp.url().includes('/accounts?done=deleted'), 'ops2 is removed');
	expect(!(await mainText(page)).includes('ops2'), 'and no longer listed');
	await shot(page, 'accounts', ['Deleted.', env('ADMIN') + ' (you)', 'helpdesk', 'support']);
	await submit(page, 'form[action="/logout"]');

	resp = await login(page, env('SUPPORT'), env('SUPPORT_PW'));
	expect(resp.url().endsWith('/subscribers'), 'the support account logs in');
	expect(await page.$('header a[href="/accounts"]') === null, 'it has no link to the accounts');
	const tok = await page.$eval('input[name=csrf]', (i) => i.value);
	resp = await page.goto(URL + '/accounts', { waitUntil: 'load' });
	expect(resp.status() === 403, 'the accounts page is refused to support (403)');
	expect(await post(page, '/accounts/add', 'csrf=' + tok + '&name=eve&role=admin&password=eve-pass-123') === 403,
		'an account added by support gets 403');
	expect(await post(page, '/accounts/role', 'csrf=' + tok + '&id=1&role=support') === 403,
		'a role changed by support gets 403');
}

// A call in progress on the calls page, ended with its button; the
// proxy's statistics.
async function calls(page) {
	let resp = await login(page, env('ADMIN'), env('ADMIN_PW'));
	expect(resp.url().endsWith('/subscribers'), 'logged in for the calls');
	let rows = [];
	for (let i = 0; i < 50; i++) {
		await page.goto(URL + '/calls', { waitUntil: 'load' });
		rows = await page.$$eval('#calls tr', (t) => t.map((r) => r.innerText));
		if (rows.some((r) => r.includes('confirmed'))) break;
		await new Promise((ok) => setTimeout(ok, 200));
	}
	const call = rows.find((r) => r.includes('confirmed'));
	expect(call && call.includes('sip:sipp@') && call.includes('bob') && call.includes('web-end-1@test'),
		'the call in progress is listed, confirmed, from sipp to bob');
	await shot(page, 'calls', ['web-end-1@test', 'confirmed', '1 call in progress.', 'End call']);
	resp = await submit(page, 'form[action="/calls/end"]');
	const refused = resp.url().includes('/calls?done=ended') ? '' : await mainText(page);
	expect(!refused, 'the End call button ends it' + (refused ? ' (the page says: ' + refused + ')' : ''));
	await shot(page, 'call-ended', ['The call was ended']);

	resp = await page.goto(URL + '/stats?prefix=core.', { waitUntil: 'load' });
	const stats = await page.$$eval('#stats tr', (t) => t.map((r) => r.innerText));
	const inv = stats.find((r) => r.startsWith('core.rcv_requests_invite'));
	expect(inv && Number(inv.split(/\s+/)[1]) >= 2, 'the statistics count the INVITEs');
	expect(!stats.some((r) => r.startsWith('usrloc.')), 'only those under the prefix');
	await shot(page, 'stats', ['core.rcv_requests_invite']);
	resp = await page.goto(URL + '/stats?prefix=a%20b', { waitUntil: 'load' });
	expect(resp.status() === 400, 'a prefix with a space gets 400');
}

(async () => {
	const browser = await puppeteer.launch({
		executablePath: env('CHROMIUM'),
		headless: true,
		// Root in a container: no sandbox; no GPU, no /dev/shm limits.
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
	});
	let rc = 0;
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(10000);
		await page.setViewport({ width: 1200, height: 800 });
		page.on('dialog', (d) => d.accept());
		if (process.argv[2] === 'setup') await setup(page);
		else if (process.argv[2] === 'check') await check(page);
		else if (process.argv[2] === 'calls') await calls(page);
		else if (process.argv[2] === 'disable' || process.argv[2] === 'enable') await toggle(page, process.argv[2]);
		else if (process.argv[2] === 'gateways') await gateways(page);
		else if (process.argv[2] === 'accounts') await accounts(page);
		else throw new Error('usage: web_browser.js setup|check|calls|disable|enable|gateways|accounts');
	} catch (e) {
		console.error('FAIL: ' + (e && e.stack ? e.stack : e));
		rc = 1;
	} finally {
		await browser.close();
	}
	process.exit(rc);
})();
