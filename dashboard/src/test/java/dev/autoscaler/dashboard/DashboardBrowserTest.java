package dev.autoscaler.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.dashboard.live.LiveFeed;
import dev.autoscaler.planner.PlannerService;
import dev.autoscaler.testkit.llm.FakeGeminiServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * Headless Chromium (Debian's chromium and chromium-driver, through Selenium) against the real dashboard, fed by a real
 * redis-server and the real planner, whose LLM advisor asks a local fake Gemini server (a fake speaking Gemini's wire
 * format). Screenshots go to target/screenshots.
 */
class DashboardBrowserTest {
    static final String TOKEN = "browser-test-token";
    static final String XSS = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    static RedisServer redis;
    static FakeGeminiServer fake;
    static ServiceContext plannerCtx;
    static PlannerService planner;
    static RedisBus bus;
    static LiveFeed feed;
    static DashboardServer dashboard;
    static ChromeDriver browser;
    static double ts = System.currentTimeMillis() / 1000.0;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        fake = new FakeGeminiServer("k");
        fake.defaultReply(FakeGeminiServer.advice("{\"action\":\"noop\",\"confidence\":0.9,\"reasoning\":\"" + XSS.replace("\"", "\\\"") + "\"}"));
        startPlanner();
        bus = redis.bus();
        publish(40, 100); // the target exists before the page opens
        await(() -> bus.redis().xlen("autoscaler:history:app") > 0, "the first window in the history");
        feed = new LiveFeed(bus, 100, () -> "[]").start();
        dashboard = new DashboardServer(new DashboardSettings("127.0.0.1", 0, TOKEN, 600, 100), bus, feed).start();
        browser = browser();
        browser.get("http://127.0.0.1:" + dashboard.port() + "/");
        await(() -> "live".equals(text("#conn")), "the page to go live");
    }

    static void startPlanner() {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "SLO_P95_MS", "100", "CAPACITY_RPS", "100",
                "SAMPLE_INTERVAL", "1", "LLM_PROVIDER", "gemini", "LLM_API_KEY", "k", "LLM_BASE_URL", fake.baseUrl(), "LLM_ROLE", "advise",
                "LLM_RPM", "600", "LLM_HEARTBEAT_SEC", "1"));
        plannerCtx = new ServiceContext(new Env(env));
        planner = new PlannerService(plannerCtx);
    }

    static ChromeDriver browser() throws Exception {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory("chromium-profile");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir=" + profile,
                "--window-size=1280,1000");
        var service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (feed != null) feed.close();
        if (dashboard != null) dashboard.close();
        if (planner != null) planner.close();
        if (plannerCtx != null) plannerCtx.close();
        if (bus != null) bus.close();
        if (fake != null) fake.close();
        if (redis != null) redis.close();
    }

    static void publish(double p95, double rps) {
        // one ready replica, as an executor keeps it registered (also after a Redis restart): the planner plans only
        // from a known count
        bus.redis().hset("autoscaler:registry:app", "app-dup-1", Json.write(new ReplicaSet.Replica("app-dup-1", "127.0.0.1:9001",
                ReplicaSet.State.ready)));
        ts += 1;
        var m = new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, 100, 1.0, p95 / 2, p95 / 2, p95, p95, p95, rps, rps, 0, 1,
                "access_log", ts);
        bus.publish(Channels.ALERTS, m);
    }

    /** As the executor writes a result: into the {@code results} stream the live feed follows. */
    static void publishResult(ExecResult r) {
        bus.appendCapped(bus.keys().resultsStream(), Map.of(ExecResult.STREAM_FIELD, Json.write(r)), 10_000);
    }

    static ExecResult result(String target, double at, String action, int before, int after, String status, String message) {
        return new ExecResult(at, "plan-" + at, action, target, action + " for the window at " + (long) at, before, after, new ExecResult.Outcome(status, message));
    }

    /** The actions table's rows of one target, newest first, each its cells' text: read at once, the table redraws. */
    @SuppressWarnings("unchecked")
    static List<List<String>> actionRows(String target) {
        var rows = (List<List<String>>) browser.executeScript("return [...document.querySelectorAll('#actions tbody tr')]"
                + ".map(tr => [...tr.cells].map(td => td.textContent)).filter(cells => cells[1] === arguments[0]);", target);
        return rows;
    }

    static List<String> column(List<List<String>> rows, int i) {
        return rows.stream().map(r -> r.get(i)).toList();
    }

    static String text(String css) {
        var found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.get(0).getText();
    }

    static int points() {
        String v = browser.findElement(By.cssSelector("article.target")).getDomAttribute("data-points");
        return v == null ? 0 : Integer.parseInt(v);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    static void screenshot(String name) throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aPublishedWindowBecomesAPointAndADecisionShowsItsReason() throws Exception {
        int before = points();
        publish(45, 100);
        await(() -> points() > before, "a new point");
        publish(450, 600); // far over the SLO: the policy scales up, and says why with the numbers it used
        await(() -> browser.findElements(By.cssSelector("ol.decisions li")).stream()
                .anyMatch(li -> li.getText().contains("scale up") && li.getText().contains("600.0 rps")), "the decision with its reason");
        screenshot("decision");
    }

    @Test
    void theTargetCardNamesThePlannerThatDecidesIt() throws Exception {
        publish(45, 100);
        await(() -> bus.redis().hget(bus.keys().last("app"), "planner") != null, "the planner's name in last:app");
        String planner = bus.redis().hget(bus.keys().last("app"), "planner");
        browser.navigate().refresh();
        await(() -> planner.equals(String.valueOf(browser.executeScript(
                "const s = document.querySelector('article.target .planner'); return s && s.textContent.replace(' · planner ', '');"))),
                "the card names " + planner);
    }

    @Test
    void theHpaAndKpaShadowsAreLinesOnTheReplicasChartAndTotalsInATable() throws Exception {
        publish(45, 150);
        publish(45, 150);
        await(() -> browser.findElements(By.cssSelector("table.shadow tbody tr")).size() == 3, "the shadow table's three rows");
        // one read of the whole table: each window redraws it
        @SuppressWarnings("unchecked")
        var rows = (List<List<String>>) browser.executeScript("return [...document.querySelectorAll('table.shadow tbody tr')]"
                + ".map(tr => [...tr.cells].map(td => td.textContent));");
        assertEquals(List.of("ours", "HPA", "KPA"), rows.stream().map(r -> r.get(0)).toList());
        for (List<String> r : rows) {
            assertTrue(Integer.parseInt(r.get(1)) >= 1, "a count: " + r);
            assertTrue(Double.parseDouble(r.get(2)) >= 0 && Double.parseDouble(r.get(3)) >= 0, "totals: " + r);
        }
        assertTrue(text(".shadow-basis").contains("estimates"), "the page says the violation seconds are estimates: " + text(".shadow-basis"));
        String legend = text(".chart.load .u-legend");
        assertTrue(legend.contains("HPA (shadow)") && legend.contains("KPA (shadow)"), legend);
        Object drawn = browser.executeScript("const d = targets.get('app').data; "
                + "return [d.hpa.filter(v => v !== null).length, d.kpa.filter(v => v !== null).length];");
        assertTrue(drawn instanceof List<?> l && ((Number) l.get(0)).intValue() > 0 && ((Number) l.get(1)).intValue() > 0,
                "the chart has HPA and KPA points: " + drawn);
        screenshot("shadow");
    }

    @Test
    void llmTextIsShownAsTextAndRunsNothing() throws Exception {
        await(() -> { publish(40, 100); return text(".advice") != null && text(".advice").contains("<img src=x"); }, "the advice text");
        assertTrue(text(".advice").contains("<script>window.__pwned=2</script>"), text(".advice"));
        assertNull(((JavascriptExecutor) browser).executeScript("return window.__pwned"), "nothing ran");
        assertEquals(0, browser.findElements(By.cssSelector(".advice img, .advice script")).size());
        screenshot("advice-as-text");
    }

    @Test
    void aModeChangeFromThePageReachesTheplannerAndNeedsTheToken() throws Exception {
        WebElement form = browser.findElement(By.cssSelector("form.controls"));
        new Select(form.findElement(By.name("mode"))).selectByVisibleText("advise");
        form.findElement(By.name("token")).clear();
        form.findElement(By.cssSelector("button")).click();
        await(() -> text(".control-result") != null && text(".control-result").startsWith("refused"), "the refusal");
        assertEquals("refused: a valid X-Admin-Token header is needed", text(".control-result"));
        assertNull(bus.redis().hget("autoscaler:target:app", "mode"), "nothing written without the token");

        form.findElement(By.name("token")).sendKeys(TOKEN);
        form.findElement(By.cssSelector("button")).click();
        await(() -> "advise".equals(bus.redis().hget("autoscaler:target:app", "mode")), "the mode in Redis");
        await(() -> { publish(40, 100); return "advise".equals(bus.redis().hget("autoscaler:last:app", "mode")); }, "the planner in advise mode");
        screenshot("controls");
        bus.redis().hdel("autoscaler:target:app", "mode");
    }

    @Test
    void afterARedisRestartThePageRecoversByItself() throws Exception {
        redis = redis.restart();
        int before = points();
        // the planner and the dashboard reconnect by themselves; the target's set is gone with the data, the planner adds it back
        await(() -> { try { publish(42, 100); } catch (RuntimeException e) { return false; } return points() > before; }, "a point after the restart");
        assertEquals("live", text("#conn"));
        screenshot("after-redis-restart");
    }

    @Test
    void aMinuteOfNoopsFoldsIntoARowOnEachSideOfAScaleUpAndTheToggleListsEveryAction() throws Exception {
        String target = "steady"; // no other test has results of it
        double at = System.currentTimeMillis() / 1000.0;
        List<ExecResult> published = new ArrayList<>();
        // a 3 s window each: a minute of steady load around one scale-up; two counts of noops so a swap would show
        for (int i = 0; i < 22; i++) published.add(result(target, at += 3, "noop", 8, 8, "noop", "8 replica(s) as desired"));
        published.add(result(target, at += 3, "scale_up", 8, 9, "ok", "started steady-9"));
        for (int i = 0; i < 19; i++) published.add(result(target, at += 3, "noop", 9, 9, "noop", "9 replica(s) as desired"));
        published.forEach(DashboardBrowserTest::publishResult);

        List<String> folded = List.of("noop ×19", "scale_up", "noop ×22");
        await(() -> column(actionRows(target), 2).equals(folded), "the noops folded on each side of the scale-up, newest first");
        List<List<String>> rows = actionRows(target);
        assertEquals(List.of("9 → 9", "8 → 9", "8 → 8"), column(rows, 3));
        assertEquals(List.of("noop: 9 replica(s) as desired", "ok: started steady-9", "noop: 8 replica(s) as desired"), column(rows, 4));
        assertEquals("newest: " + published.getLast().reason(), rows.get(0).get(5));
        for (int i : new int[] {0, 2}) {
            String[] span = rows.get(i).get(0).split("–");
            assertEquals(2, span.length, "a folded row's time is from its first noop's to its newest's: " + rows.get(i));
            assertNotEquals(span[0], span[1], "a minute apart: " + rows.get(i));
        }
        browser.executeScript("document.getElementById('actions').scrollIntoView()");
        screenshot("actions-folded");

        browser.findElement(By.id("every-action")).click();
        await(() -> actionRows(target).size() == published.size(), "every one of the " + published.size() + " actions");
        List<String> every = column(actionRows(target), 2);
        assertEquals(published.reversed().stream().map(ExecResult::action).toList(), every, "each action, newest first");
        assertEquals("fold the noops", text("#every-action"));
        screenshot("actions-every");

        browser.findElement(By.id("every-action")).click();
        await(() -> column(actionRows(target), 2).equals(folded), "the noops folded again");
    }

    @Test
    void foldingKeepsEachTargetsRunApartAndStartsAnotherWhenTheNoopsSaySomethingElse() {
        List<ExecResult> results = List.of(
                result("a", 1, "noop", 8, 8, "noop", "8 replica(s) as desired"),
                result("b", 2, "noop", 2, 2, "noop", "2 replica(s) as desired"),
                result("a", 3, "noop", 8, 8, "noop", "8 replica(s) as desired"),
                result("b", 4, "scale_up", 2, 2, "skipped", "advise mode: nothing applied"), // advised: still a change wanted
                result("a", 5, "reconcile", 8, 8, "noop", "8 replica(s) as desired"), // says the same as a's noops: folded with them
                result("b", 6, "noop", 2, 2, "skipped", "advise mode: nothing applied"),
                result("b", 7, "noop", 2, 2, "skipped", "advise mode: nothing applied"),
                result("a", 8, "noop", 8, 8, "noop", "8 replica(s) as desired (1 starting)"), // says something else: a run of its own
                result("a", 9, "reconcile", 8, 7, "error", "app-a-3 died"));
        Object rows = browser.executeScript("return foldActions(JSON.parse(arguments[0])).map(f => f.result ? "
                + "f.result.target + ' ' + f.result.action : f.noops[0].target + ' noop ×' + f.noops.length + ' from ' + f.noops[0].ts);",
                Json.write(results));
        // oldest first, each row where its newest result is: a's run of three goes on past b's advised scale-up
        assertEquals(List.of("b noop ×1 from 2", "b scale_up", "a noop ×3 from 1", "b noop ×2 from 6", "a noop ×1 from 8", "a reconcile"), rows);
    }

    @Test
    void onAPhoneThePageFitsItsWidth() throws Exception {
        var size = browser.manage().window().getSize();
        try {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
            await(() -> (Boolean) ((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling at 390 px");
            screenshot("phone");
        } finally {
            browser.manage().window().setSize(size);
        }
    }
}
