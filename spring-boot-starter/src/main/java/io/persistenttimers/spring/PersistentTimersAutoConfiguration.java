package io.persistenttimers.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.persistenttimers.FailureLogging;
import io.persistenttimers.MultiNode;
import io.persistenttimers.OverduePolicy;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.admin.AdminServer;
import io.persistenttimers.micrometer.PersistentTimerMetrics;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Builds the store from the application's DataSource (or the SQLite file), the {@link
 * PersistentTimer} with the {@code persistent-timers.*} settings and the callbacks found among the
 * beans, starts it with the context and stops it gracefully; adds the {@link TimerScheduler} that
 * joins transactions, the health indicator with Actuator, the metrics with Micrometer, and, when
 * enabled, the admin web page.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration"
    })
@ConditionalOnBooleanProperty(name = "persistent-timers.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PersistentTimersProperties.class)
public class PersistentTimersAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public PersistentTimersAutoConfiguration() {}

  /**
   * The store: PostgreSQL or SQLite over the application's DataSource, or the SQLite file.
   *
   * @param properties the settings
   * @param dataSource the application's DataSource, if it has exactly one
   * @return the store binding; closing it closes the store
   */
  @Bean
  @ConditionalOnMissingBean
  public PersistentTimersStore persistentTimersStore(
      PersistentTimersProperties properties, ObjectProvider<DataSource> dataSource) {
    return StoreFactory.create(properties.store(), dataSource.getIfUnique());
  }

  /**
   * The engine, built and not yet started; the context starts and stops it.
   *
   * @param store the store
   * @param properties the settings
   * @param customizers adjustments from the application
   * @param objectMapper the application's Jackson 2 mapper, if any, for typed params
   * @return the timer
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public PersistentTimer persistentTimer(
      PersistentTimersStore store,
      PersistentTimersProperties properties,
      ObjectProvider<PersistentTimerCustomizer> customizers,
      ObjectProvider<ObjectMapper> objectMapper) {
    PersistentTimer.Builder builder = PersistentTimer.builder(store.store());
    apply(properties, builder);
    objectMapper.ifUnique(builder::objectMapper);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  static void apply(PersistentTimersProperties p, PersistentTimer.Builder b) {
    if (p.horizon() != null) {
      b.horizon(p.horizon());
    }
    if (p.workerThreads() != null) {
      b.workerThreads(p.workerThreads());
    }
    if (p.shutdownTimeout() != null) {
      b.shutdownTimeout(p.shutdownTimeout());
    }
    if (p.startTimeout() != null) {
      b.startTimeout(p.startTimeout());
    }
    if (p.overdueThreshold() != null) {
      b.overdueThreshold(p.overdueThreshold());
    }
    if (p.overdueFiresPerSecond() != null) {
      b.overdueFiresPerSecond(p.overdueFiresPerSecond());
    }
    if (p.slowCallbackThreshold() != null) {
      b.slowCallbackThreshold(p.slowCallbackThreshold());
    }
    if (p.overdueOneShot() != null || p.overdueRecurring() != null) {
      b.defaultOverdue(
          p.overdueOneShot() == null ? OverduePolicy.FIRE_NOW : p.overdueOneShot(),
          p.overdueRecurring() == null ? OverduePolicy.COALESCE : p.overdueRecurring());
    }
    if (p.retry().maxAttempts() != null) {
      b.defaultRetry(
          RetryPolicy.exponential(
              p.retry().maxAttempts(), p.retry().initialBackoff(), p.retry().maxBackoff()));
    }
    if (p.multiNode().enabled()) {
      MultiNode multiNode =
          MultiNode.of(p.multiNode().nodeId() != null ? p.multiNode().nodeId() : defaultNodeId());
      if (p.multiNode().lease() != null) {
        multiNode = multiNode.lease(p.multiNode().lease());
      }
      if (p.multiNode().pollInterval() != null) {
        multiNode = multiNode.pollInterval(p.multiNode().pollInterval());
      }
      b.multiNode(multiNode);
    }
    b.participantIdInMdc(p.participantIdInMdc());
    b.failureLogging(
        new FailureLogging(p.failureLogging().level(), p.failureLogging().stackTrace()));
  }

  /** Host name and process id: unique per running instance, readable in the leases table. */
  static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }

  /**
   * Registers the callbacks found among the beans once every singleton exists (so callbacks may
   * inject the timer), before the context starts the engine.
   */
  @Bean
  static SmartInitializingSingleton persistentTimersCallbacks(
      ObjectProvider<PersistentTimer> timer, ConfigurableListableBeanFactory beanFactory) {
    return () -> new CallbackBeans(beanFactory).registerAll(timer.getObject());
  }

  /** Starts the engine with the context; stops it gracefully with it. */
  @Bean
  PersistentTimersLifecycle persistentTimersLifecycle(PersistentTimer timer) {
    return new PersistentTimersLifecycle(timer);
  }

  /**
   * Schedule calls that join the caller's transaction on the store's DataSource.
   *
   * @param timer the timer
   * @param store the store
   * @return the scheduler
   */
  @Bean
  @ConditionalOnMissingBean
  public TimerScheduler timerScheduler(PersistentTimer timer, PersistentTimersStore store) {
    return new TimerScheduler(timer, store);
  }

  /** The Actuator health indicator, with spring-boot-health on the classpath. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "persistentTimersHealthIndicator")
    PersistentTimersHealthIndicator persistentTimersHealthIndicator(
        PersistentTimer timer,
        PersistentTimersLifecycle lifecycle,
        PersistentTimersProperties properties) {
      return new PersistentTimersHealthIndicator(
          timer, lifecycle, properties.health().maxOverdueLag());
    }
  }

  /** The Micrometer binder, with Micrometer and persistent-timers-micrometer present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, PersistentTimerMetrics.class})
  @ConditionalOnBooleanProperty(name = "persistent-timers.metrics.enabled", matchIfMissing = true)
  static class MetricsConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    PersistentTimerMetrics persistentTimerMetrics(PersistentTimersProperties properties) {
      return PersistentTimerMetrics.create(properties.metrics().refreshInterval());
    }

    @Bean
    PersistentTimerCustomizer persistentTimerMetricsCustomizer(PersistentTimerMetrics metrics) {
      return metrics::instrument;
    }

    @Bean
    static SmartInitializingSingleton persistentTimerMetricsMonitor(
        ObjectProvider<PersistentTimerMetrics> metrics, ObjectProvider<PersistentTimer> timer) {
      return () -> metrics.getObject().monitor(timer.getObject());
    }
  }

  /** The admin web page, when enabled and persistent-timers-admin is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(AdminServer.class)
  @ConditionalOnBooleanProperty(name = "persistent-timers.admin.enabled")
  static class AdminConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    AdminServer persistentTimersAdminServer(
        PersistentTimersStore store, PersistentTimersProperties properties) {
      return AdminPage.start(store.store(), properties.admin());
    }
  }

  /** Enabled without persistent-timers-admin: a startup error rather than a page that is not. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("io.persistenttimers.admin.AdminServer")
  @ConditionalOnBooleanProperty(name = "persistent-timers.admin.enabled")
  static class AdminMissingConfiguration {
    @Bean
    Object persistentTimersAdminServer() {
      throw new IllegalStateException(
          "persistent-timers.admin.enabled=true needs the admin page on the class path: add the"
              + " dependency io.persistenttimers:persistent-timers-admin, or remove the property");
    }
  }
}
