package io.persistenttimers.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A study host on Spring Boot: participants are enrolled through REST (their row and their timers
 * in one transaction) and get a daily prompt at 09:00 in their own zone and a reminder shortly
 * after enrolling. Runs on an SQLite file by default ({@code study.db}).
 */
@SpringBootApplication
public class StudyApplication {
  public static void main(String[] args) {
    SpringApplication.run(StudyApplication.class, args);
  }
}
