# ActiveMQ Classic 5.17 with Jolokia served by an embedded Jetty 9 bean on a free loopback port
# (spec: shared/spec/event-sources.md, "ActiveMQ 5.17.2 with Jolokia"). Own base and data dir;
# the broker's OpenWire connector is on another free loopback port. Not persistent.
svc_start() {
  local dir=$1 port openwire j
  port=$(free_port)
  openwire=$(free_port)
  svc_set "$dir" port "$port"
  mkdir -p "$dir/conf" "$dir/data" "$dir/tmp" "$dir/lib"
  for j in jolokia-core json-simple jetty9-server jetty9-servlet jetty9-http jetty9-io \
    jetty9-util jetty9-security servlet-api; do
    ln -sf "/usr/share/java/$j.jar" "$dir/lib/$j.jar"
  done
  cat > "$dir/conf/activemq.xml" <<'XML'
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
         http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer"/>
  <broker xmlns="http://activemq.apache.org/schema/core" id="broker" brokerName="localhost"
          useJmx="true" persistent="false" dataDirectory="${activemq.data}">
    <managementContext><managementContext createConnector="false"/></managementContext>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:${tidal.openwire.port}"/>
    </transportConnectors>
  </broker>
  <bean id="jolokiaServlet" class="org.eclipse.jetty.servlet.ServletHolder">
    <constructor-arg value="jolokia"/>
    <constructor-arg value="org.jolokia.http.AgentServlet"/>
  </bean>
  <bean id="jolokiaMapping" class="org.eclipse.jetty.servlet.ServletMapping">
    <property name="servletName" value="jolokia"/>
    <property name="pathSpecs"><list><value>/jolokia/*</value></list></property>
  </bean>
  <bean id="servletHandler" class="org.eclipse.jetty.servlet.ServletHandler">
    <property name="servlets"><list><ref bean="jolokiaServlet"/></list></property>
    <property name="servletMappings"><list><ref bean="jolokiaMapping"/></list></property>
  </bean>
  <bean id="context" class="org.eclipse.jetty.servlet.ServletContextHandler">
    <property name="contextPath" value="/api"/>
    <property name="servletHandler" ref="servletHandler"/>
  </bean>
  <bean id="jetty" class="org.eclipse.jetty.server.Server" init-method="start"
        destroy-method="stop" depends-on="broker">
    <constructor-arg>
      <bean class="java.net.InetSocketAddress">
        <constructor-arg value="127.0.0.1"/>
        <constructor-arg value="${tidal.jolokia.port}"/>
      </bean>
    </constructor-arg>
    <property name="handler" ref="context"/>
  </bean>
</beans>
XML
  java -Xms64m -Xmx256m -Djava.awt.headless=true -Djava.io.tmpdir="$dir/tmp" \
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.base/java.security=ALL-UNNAMED \
    --add-reads=java.xml=java.logging \
    -Dtidal.openwire.port="$openwire" -Dtidal.jolokia.port="$port" \
    -Dactivemq.classpath="$dir/conf" -Dactivemq.home=/usr/share/activemq \
    -Dactivemq.base="$dir" -Dactivemq.conf="$dir/conf" -Dactivemq.data="$dir/data" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$dir/conf/activemq.xml" \
    > "$dir/amq.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  curl -fs "http://127.0.0.1:$(svc_get "$1" port)/api/jolokia/version" | grep -q '"status":200'
}
svc_env() {
  echo "export TIDAL_ACTIVEMQ_ENDPOINT=127.0.0.1:$(svc_get "$1" port)"
}
