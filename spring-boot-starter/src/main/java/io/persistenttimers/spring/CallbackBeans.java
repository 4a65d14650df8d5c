package io.persistenttimers.spring;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TypedCallback;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the callbacks among the application's beans — {@link CallbackFactory} beans with {@link
 * CallbackType}, and {@link OnTimer} methods — and registers each under its type. Two for one type
 * is a startup error naming both.
 */
final class CallbackBeans {
  private final ConfigurableListableBeanFactory beans;

  CallbackBeans(ConfigurableListableBeanFactory beans) {
    this.beans = beans;
  }

  /** One callback found: where it came from (for messages) and how to register it. */
  private record Found(String source, Consumer<PersistentTimer> registration) {}

  void registerAll(PersistentTimer timer) {
    Map<String, Found> byType = new LinkedHashMap<>();
    for (String name : beans.getBeanDefinitionNames()) {
      if (!isCandidate(name)) {
        continue;
      }
      Class<?> type = beans.getType(name);
      if (type == null) {
        continue;
      }
      if (CallbackFactory.class.isAssignableFrom(type)) {
        factoryBean(name, byType);
      }
      Class<?> userClass = ClassUtils.getUserClass(type);
      Map<Method, OnTimer> methods =
          MethodIntrospector.selectMethods(
              userClass,
              (MethodIntrospector.MetadataLookup<OnTimer>)
                  m -> AnnotatedElementUtils.findMergedAnnotation(m, OnTimer.class));
      for (Map.Entry<Method, OnTimer> e : methods.entrySet()) {
        Method invocable = AopUtils.selectInvocableMethod(e.getKey(), type);
        put(
            byType,
            e.getValue().value(),
            new Found(
                "bean '" + name + "' method " + e.getKey().getName(),
                timer2 -> registerMethod(timer2, e.getValue().value(), name, invocable)));
      }
    }
    byType.values().forEach(f -> f.registration().accept(timer));
  }

  private boolean isCandidate(String name) {
    if (!beans.containsBeanDefinition(name)) {
      return false;
    }
    BeanDefinition definition = beans.getBeanDefinition(name);
    return definition.isSingleton() && !definition.isAbstract() && !definition.isLazyInit();
  }

  private void factoryBean(String name, Map<String, Found> byType) {
    CallbackType annotation = beans.findAnnotationOnBean(name, CallbackType.class);
    if (annotation == null) {
      throw new IllegalStateException(
          "bean '"
              + name
              + "' is a CallbackFactory without @CallbackType: annotate its class or @Bean method"
              + " with @CallbackType(\"<type>\"), the stable name its timers are scheduled under");
    }
    put(
        byType,
        annotation.value(),
        new Found(
            "bean '" + name + "' (CallbackFactory)",
            timer ->
                timer.register(annotation.value(), beans.getBean(name, CallbackFactory.class))));
  }

  private static void put(Map<String, Found> byType, String callbackType, Found found) {
    Found earlier = byType.putIfAbsent(callbackType, found);
    if (earlier != null) {
      throw new IllegalStateException(
          "callback type '"
              + callbackType
              + "' has two callbacks: "
              + earlier.source()
              + " and "
              + found.source()
              + "; a type has exactly one");
    }
  }

  private void registerMethod(PersistentTimer timer, String type, String beanName, Method method) {
    Class<?>[] parameters = method.getParameterTypes();
    int contextAt = -1;
    int paramsAt = -1;
    for (int i = 0; i < parameters.length; i++) {
      if (parameters[i] == TimerContext.class && contextAt < 0) {
        contextAt = i;
      } else if (paramsAt < 0) {
        paramsAt = i;
      } else {
        throw new IllegalStateException(
            "@OnTimer(\""
                + type
                + "\") method "
                + method.getName()
                + " of bean '"
                + beanName
                + "' takes more than a TimerContext and one params object");
      }
    }
    ReflectionUtils.makeAccessible(method);
    Object bean = beans.getBean(beanName);
    int ctxIndex = contextAt;
    int paramsIndex = paramsAt;
    TypedCallback<Object> callback =
        (ctx, params) -> {
          Object[] args = new Object[parameters.length];
          if (ctxIndex >= 0) {
            args[ctxIndex] = ctx;
          }
          if (paramsIndex >= 0) {
            args[paramsIndex] = params;
          }
          invoke(method, bean, args);
        };
    @SuppressWarnings("unchecked")
    Class<Object> paramsType =
        (Class<Object>) (paramsIndex >= 0 ? parameters[paramsIndex] : Object.class);
    timer.register(type, paramsType, callback);
  }

  private static void invoke(Method method, Object bean, Object[] args) throws Exception {
    try {
      method.invoke(bean, args);
    } catch (InvocationTargetException e) {
      // The callback's own failure, not the reflection around it, is what retries and logs see.
      Throwable cause = e.getCause();
      if (cause instanceof Exception exception) {
        throw exception;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
