package io.persistenttimers.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.TimerStatus;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The admin page in a real browser: headless Chromium (Debian's, with its chromedriver) driven by
 * Selenium, one browser for the class, a fresh store and server per test. Every page is saved as a
 * screenshot under {@code target/screenshots}.
 */
class AdminBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target/screenshots");

  private static ChromeDriver browser;
  private static Path profile;

  @TempDir Path dir;
  private SqliteStore store;
  private AdminServer admin;

  @BeforeAll
  static void startBrowser() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new AssertionError(
          "The browser tests need Debian's Chromium: apt-get install -y chromium chromium-driver"
              + " (.ci/run installs them when missing)");
    }
    Files.createDirectories(SCREENSHOTS);
    profile = Files.createTempDirectory("admin-browser-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopBrowser() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeEach
  void startServer() {
    store = SqliteStore.openOrCreate(dir.resolve("admin.db"));
    AdminFixture.fill(store, Instant.now().truncatedTo(ChronoUnit.MILLIS));
    admin =
        AdminServer.start(store, AdminOptions.defaults().token(AdminFixture.TOKEN).pageSize(10));
  }

  @AfterEach
  void stopServer() {
    admin.close();
    store.close();
  }

  @Test
  void overview_showsTheCountsAndTheChart() {
    open("/");
    assertThat(text("main")).contains("Overview").contains("Pending").contains("Oldest lag");
    assertThat(cardValue("Overdue")).isEqualTo("1");
    assertThat(cardValue("Failed")).isEqualTo("1");
    assertThat(cardValue("Quarantined")).isEqualTo("1");
    assertThat(browser.findElements(By.cssSelector("svg rect"))).hasSize(5);
    assertThat(text("main")).contains("feedback_initial").contains("scheduled_prompt");
    screenshot("overview");
  }

  @Test
  void filter_thenOpenATimer_thenRevealItsParamsWithTheToken() {
    open("/timers");
    screenshot("timers");
    browser.findElement(By.id("participant")).sendKeys("participant-ana");
    browser.findElement(By.id("filter")).click();
    assertThat(text("#count")).startsWith("2 matching timers");
    assertThat(rows()).hasSize(2);
    screenshot("timers-filtered");

    browser.findElement(By.linkText("daily-prompt:participant-ana")).click();
    assertThat(text("h1")).isEqualTo("Timer daily-prompt:participant-ana");
    assertThat(text("#fields"))
        .contains("every day at 09:00 (Asia/Kolkata)")
        .doesNotContain("5555");
    assertThat(browser.findElements(By.cssSelector("#next-occurrences li"))).hasSize(5);
    assertThat(text("#next-occurrences")).contains("09:00 Asia/Kolkata");
    screenshot("timer");

    browser.findElement(By.id("token")).sendKeys(AdminFixture.TOKEN);
    browser.findElement(By.id("reveal")).click();
    assertThat(text("#params")).isEqualTo("{\"phone\":\"+55 11 5555-0101\"}");
    screenshot("timer-revealed");
  }

  @Test
  void cancel_asksForConfirmation_andNeedsTheToken() {
    open("/timer?id=overdue-1");
    browser.findElement(By.id("cancel")).click();
    assertThat(text(".notice"))
        .contains("Cancel timer overdue-1 (feedback_initial for participant-ana");
    screenshot("confirm-cancel");

    browser.findElement(By.id("token")).sendKeys("not-the-token-at-all");
    browser.findElement(By.id("confirm")).click();
    assertThat(text("#refused")).contains("The token is missing or wrong: nothing was changed.");
    screenshot("refused");
    assertThat(store.get("overdue-1")).isPresent();

    browser.navigate().back();
    WebElement token = browser.findElement(By.id("token"));
    token.clear();
    token.sendKeys(AdminFixture.TOKEN);
    browser.findElement(By.id("confirm")).click();
    assertThat(text("#result")).contains("Cancelled timer overdue-1");
    screenshot("cancelled");
    assertThat(store.get("overdue-1")).isEmpty();
  }

  @Test
  void releaseAFailedTimer() {
    open("/timers?status=failed");
    browser.findElement(By.linkText("failed-1")).click();
    assertThat(text("#fields"))
        .contains("FAILED")
        .contains("fires only once released")
        .contains("java.lang.IllegalStateException")
        .doesNotContain("5555-0199");
    screenshot("timer-failed");
    browser.findElement(By.id("release")).click();
    screenshot("confirm-release");
    browser.findElement(By.id("token")).sendKeys(AdminFixture.TOKEN);
    browser.findElement(By.id("confirm")).click();
    assertThat(text("#result"))
        .contains(
            "Released timer failed-1: it was FAILED after 3 failed attempts and is ACTIVE again");
    screenshot("released");
    assertThat(store.get("failed-1").orElseThrow().status()).isEqualTo(TimerStatus.ACTIVE);
  }

  @Test
  void cancelParticipantAndPurge_confirmWhatTheyWillDo() {
    open("/timers?participant=participant-dee");
    browser.findElement(By.partialLinkText("Cancel every timer of this participant")).click();
    assertThat(text(".notice")).contains("Cancel all 12 timers of participant participant-dee?");
    screenshot("confirm-cancel-participant");
    browser.findElement(By.id("token")).sendKeys(AdminFixture.TOKEN);
    browser.findElement(By.id("confirm")).click();
    assertThat(text("#result")).contains("Cancelled 12 timers of participant participant-dee.");

    open("/confirm?action=purge");
    screenshot("confirm-purge");
    browser.findElement(By.name("failedOlderThanHours")).sendKeys("12");
    browser.findElement(By.id("token")).sendKeys(AdminFixture.TOKEN);
    browser.findElement(By.id("confirm")).click();
    assertThat(text("#result"))
        .contains("Deleted 0 expired timers.")
        .contains("Deleted 1 timers that failed more than 12 hours ago.");
  }

  @Test
  void aScriptInAParticipantId_isShownAsText_andNeverRuns() {
    open("/timers");
    assertThat(text("#timers")).contains(AdminFixture.HOSTILE);
    assertNoAlert();
    browser.findElement(By.linkText("hostile-1")).click();
    assertThat(text("#fields")).contains(AdminFixture.HOSTILE);
    assertNoAlert();
    screenshot("timer-hostile");
  }

  private static void assertNoAlert() {
    assertThatThrownBy(() -> browser.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
  }

  private void open(String path) {
    browser.get(admin.uri().resolve(path).toString());
  }

  /**
   * The text of the element, waiting for it: after a click that submits a form, the next page may
   * not be there yet when the click returns.
   */
  private static String text(String css) {
    return org.awaitility.Awaitility.await(css)
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> browser.findElement(By.cssSelector(css)).getText(), found -> true);
  }

  private static List<WebElement> rows() {
    return browser.findElements(By.cssSelector("#timers tr td:first-child"));
  }

  private static String cardValue(String label) {
    for (WebElement card : browser.findElements(By.cssSelector(".card"))) {
      if (card.getText().endsWith(label)) {
        return card.findElement(By.tagName("b")).getText();
      }
    }
    throw new AssertionError("no card " + label);
  }

  private static void screenshot(String name) {
    Path png = browser.getScreenshotAs(OutputType.FILE).toPath();
    try {
      Files.copy(png, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
